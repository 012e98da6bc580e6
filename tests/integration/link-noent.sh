#!/bin/bash
# link-noent: link from absent or whited-out names (ENOENT), into missing parents (ENOENT) or files (ENOTDIR); a dangling symlink links as itself.
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

setup() {
	make_small_tree "$1"
	mkl nowhere "$1/lower2/dangling"
}

action() {
	step '"$TESTPROG/sysop" link "$M/nope" "$M/x" -- link "$M/nodir/x" "$M/x" -- link "$M/fu" "$M/nodir/x" -- link "$M/fu" "$M/f2/x" -- link "$M/f2/x" "$M/x"'
	step 'rm "$M/f1" "$M/d/x2"; "$TESTPROG/sysop" link "$M/f1" "$M/x" -- link "$M/d/x2" "$M/x" -- link "$M/link-f1" "$M/lf" -- stat "$M/lf"; readlink "$M/lf"'
	step '"$TESTPROG/sysop" link "$M/dangling" "$M/dl2" -- lstat "$M/dl2"; "$PYTHON" "$T/callc.py" linkat AT_FDCWD "$M/dangling" AT_FDCWD "$M/dl3" 1024; names "$M"'
}

compare_kernel_union link-noent setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union link-noent-nobody setup action
un_done
