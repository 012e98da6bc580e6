#!/bin/bash
# at-calls-lower-dirfd: the *at calls with descriptors of lower-only and merged directories: mkdirat, symlinkat, mkfifoat, mknodat, renameat, unlinkat, fchmodat, fchownat, faccessat.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

# callc.py FUNC ARG... [-- FUNC ARG...]...: calls sysop does not make, made
# through libc with ctypes (so that libunion's interposer answers), each
# printed as "FUNC ARG...: ok" or "FUNC ARG...: ENAME".  An argument of
# digits is an int (a leading 0: octal), NULL a null pointer, AT_FDCWD
# itself, dir:PATH a descriptor of the directory PATH, tv:SEC two struct
# timevals, ts:SEC two struct timespecs, ub:SEC a struct utimbuf, all of
# SEC seconds; anything else a string.
cat >"$T/callc.py" <<'PY'
import ctypes, errno, os, re, sys

libc = ctypes.CDLL(None, use_errno=True)
PTR = {"mkdtemp", "fopen", "fopen64", "freopen", "tmpfile", "tmpfile64"}
FDS = {"creat", "creat64", "mkstemp", "mkstemp64", "mkostemp", "mkstemps", "openat"}


class TV(ctypes.Structure):  # struct timeval and struct timespec alike
    _fields_ = [("sec", ctypes.c_long), ("frac", ctypes.c_long)]


def conv(a, keep):
    if a == "NULL":
        return None
    if a == "AT_FDCWD":
        return ctypes.c_long(-100)
    if re.fullmatch(r"-?[0-9]+", a):
        return ctypes.c_long(int(a, 8) if a.startswith("0") and len(a) > 1 else int(a))
    if a.startswith("dir:"):
        fd = os.open(a[4:], os.O_RDONLY | os.O_DIRECTORY)
        keep.append(fd)
        return ctypes.c_long(fd)
    if a[:3] in ("tv:", "ts:"):
        t = (TV * 2)(TV(int(a[3:]), 0), TV(int(a[3:]), 0))
        keep.append(t)
        return t
    if a.startswith("ub:"):
        t = (ctypes.c_long * 2)(int(a[3:]), int(a[3:]))
        keep.append(t)
        return t
    b = ctypes.create_string_buffer(a.encode())
    keep.append(b)
    return b


def run(call):
    name, args = call[0], call[1:]
    keep = []
    f = getattr(libc, name)
    if name in PTR:
        f.restype = ctypes.c_void_p
    cargs = [conv(a, keep) for a in args]
    if name == "freopen":
        libc.fopen.restype = ctypes.c_void_p  # a FILE *, not an int
        cargs.append(ctypes.c_void_p(libc.fopen(b"/dev/null", b"r")))
    ctypes.set_errno(0)
    r = f(*cargs)
    e = ctypes.get_errno()
    bad = (r is None or r == 0) if name in PTR else r < 0
    if bad:
        res = errno.errorcode.get(e, str(e))
    else:
        res = "ok"
        if name in FDS:
            os.close(r)
        elif name in ("fopen", "fopen64", "freopen", "tmpfile", "tmpfile64"):
            libc.fclose(ctypes.c_void_p(r))
    for fd in keep:
        if isinstance(fd, int):
            os.close(fd)
    print("%s %s: %s" % (name, " ".join(args), res), flush=True)


argv = sys.argv[1:]
while argv:
    n = argv.index("--") if "--" in argv else len(argv)
    if n:
        run(argv[:n])
    argv = argv[n + 1:]
PY

setup() { make_small_tree "$1"; }

# 512 is AT_REMOVEDIR (unlinkat) and AT_EACCESS (faccessat), 256 AT_SYMLINK_NOFOLLOW.
action() {
	step '"$PYTHON" "$T/callc.py" mkdirat "dir:$M/d2" newsub 0750 -- symlinkat only2 "dir:$M/d2" sl -- mkfifoat "dir:$M/d2/deeper" fifo 0640 -- mknodat "dir:$M/e1" reg 0100600 0; find "$M/d2" "$M/e1" | sort; st "$M/d2/newsub" "$M/d2/sl" "$M/d2/deeper/fifo" "$M/e1/reg"'
	step '"$PYTHON" "$T/callc.py" renameat "dir:$M/d" x2 "dir:$M/d2" x2 -- renameat "dir:$M/d2" only2 "dir:$M/e2" only2 -- renameat "dir:$M/d" nope "dir:$M/d2" x; for x in d d2 e2; do echo "$x:"; names "$M/$x"; done'
	step '"$PYTHON" "$T/callc.py" unlinkat "dir:$M/d" x1 0 -- unlinkat "dir:$M/d" sub 0 -- unlinkat "dir:$M/d2" deeper 512 -- unlinkat "dir:$M/d2/deeper" z 0 -- unlinkat "dir:$M/d2" deeper 512 -- unlinkat "dir:$M" e1 512 -- unlinkat "dir:$M" e2 512; for x in d d2 .; do echo "$x:"; names "$M/$x"; done'
	step '"$PYTHON" "$T/callc.py" fchmodat "dir:$M/d" sub/y2 0600 0 -- fchmodat "dir:$M" link-f1 0600 256 -- faccessat "dir:$M" ro 2 0 -- faccessat "dir:$M" ro 2 512 -- faccessat "dir:$M/d" nope 0 0; st "$M/d/sub/y2" "$M/f1"'
	step 'if [ "$(id -u)" = 0 ]; then "$PYTHON" "$T/callc.py" fchownat "dir:$M/d" sub 5 6 0 -- fchownat "dir:$M" link-f1 7 8 256; st "$M/d/sub" "$M/link-f1" "$M/f1"; fi'
}

compare_kernel_union at-calls-lower-dirfd setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union at-calls-lower-dirfd-nobody setup action
un_done
