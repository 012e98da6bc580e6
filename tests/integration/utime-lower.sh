#!/bin/bash
# utime-lower: utime, utimes, futimesat and utimensat with explicit times on lower files and directories: copied up with exactly those times.
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

action() {
	step '"$PYTHON" "$T/callc.py" utime "$M/f1" ub:1000000000 -- utimes "$M/f2" tv:1100000000 -- futimesat "dir:$M/d" x2 tv:1200000000 -- futimesat AT_FDCWD "$M/d/x1" tv:1250000000 -- utimensat AT_FDCWD "$M/exe" ts:1300000000 0; stat -c "%n %X %Y" "$M/f1" "$M/f2" "$M/d/x2" "$M/d/x1" "$M/exe"'
	step '"$PYTHON" "$T/callc.py" utimes "$M/d2" tv:1400000000 -- utime "$M/d2/deeper" ub:1450000000 -- utimensat "dir:$M/d2" deeper/z ts:1500000000 0; stat -c "%n %X %Y" "$M/d2" "$M/d2/deeper" "$M/d2/deeper/z"; names "$M/d2"'
	step '"$PYTHON" "$T/callc.py" utime "$M/nope" ub:1 -- utimes "$M/f1/x" tv:1 -- utimensat "dir:$M/d" nope ts:1 0 -- utimensat AT_FDCWD "$M/link-f1" ts:1550000000 256; stat -c "%n %Y" "$M/link-f1" "$M/f1"'
	# Times of "now" differ between the two runs: shown as "now".
	stepx <<'STEP'
touch -m -d @1560000000 "$M/ro"; touch -a -d @1570000000 "$M/both"; stat -c "%n %X %Y" "$M/ro" "$M/both" | awk '{ for (i = 2; i <= 3; i++) if ($i > 1700000000) $i = "now"; print }'
STEP
}

compare_kernel_union utime-lower setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union utime-lower-nobody setup action
un_done
