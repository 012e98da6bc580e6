#!/bin/bash
# readonly-union-each-write: a read-only union (no upper; the kernel: lowerdir=L1:L2 only): every write call fails with EROFS (or the lookup error first, as the kernel orders them); reads work.
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
	mkdir -p "$1/lower1" "$1/lower2"
	mkf "$1/lower1/f1" 644 "f1 from lower1"
	mkf "$1/lower1/d/x1" 644 "x1"
	mkd "$1/lower1/e1"
	mkl f1 "$1/lower1/link-f1"
	mkf "$1/lower2/f2" 644 "f2 from lower2"
	mkf "$1/lower2/d/x2" 644 "x2"
	mkf "$1/lower2/ro" 444 "ro"
	setfattr -n user.a -v 1 "$1/lower2/f2"
}

action() {
	step '"$TESTPROG/sysop" open "$M/f1" wronly -- open "$M/f1" rdwr -- open "$M/f1" rdonly,trunc -- open "$M/f1" wronly,append -- open "$M/new" wronly,creat -- open "$M/f1" wronly,creat -- open "$M/f1" rdonly,creat -- open "$M/new" wronly,creat,excl -- open "$M/f1" wronly,creat,excl -- open "$M/d" rdonly,tmpfile,wronly -- open "$M/nope/x" wronly,creat -- open "$M/f1" rdonly -- open "$M/d" rdonly,directory'
	step '"$TESTPROG/sysop" truncate "$M/f1" 0 -- truncate "$M/nope" 0 -- chmod "$M/f1" 600 -- chmod "$M/nope" 600 -- chown "$M/f1" 0 0 -- lchown "$M/link-f1" 0 0 -- utimens "$M/f1" 1 0 -- lutimens "$M/link-f1" 1 0 -- setxattr "$M/f1" user.b 2 -- removexattr "$M/f2" user.a -- getxattr "$M/f2" user.a'
	step '"$TESTPROG/sysop" link "$M/f1" "$M/h" -- link "$M/nope" "$M/h" -- symlink t "$M/s" -- symlink t "$M/f1" -- unlink "$M/f1" -- unlink "$M/nope" -- rmdir "$M/e1" -- rmdir "$M/d" -- rmdir "$M/nope" -- mkdir "$M/nd" 755 -- mkdir "$M/d" 755 -- mkfifo "$M/p" 644'
	step '"$TESTPROG/sysop" rename "$M/f1" "$M/f3" -- rename "$M/f1" "$M/f2" -- rename "$M/nope" "$M/f3" -- renameat2 "$M/f1" "$M/f3" noreplace -- renameat2 "$M/f1" "$M/f2" exchange -- rename "$M/d" "$M/d3"'
	step '"$TESTPROG/sysop" access "$M/f1" w -- access "$M/ro" w -- access "$M/d" w -- access "$M/nope" w -- access "$M/f1" r -- access "$M/e1" x'
	step '"$PYTHON" "$T/callc.py" creat "$M/c" 0644 -- creat "$M/f1" 0644 -- mknod "$M/m" 010644 0 -- mkstemp "$M/tmpXXXXXX" -- mkdtemp "$M/dirXXXXXX" -- utimes "$M/f1" NULL -- utime "$M/f1" NULL -- lremovexattr "$M/f2" user.a -- fopen "$M/f1" w -- fopen "$M/f1" a -- fopen "$M/f1" r+ -- fopen "$M/f1" r -- remove "$M/f1" -- remove "$M/e1"'
	step 'cat "$M/f1" "$M/f2" "$M/d/x1" "$M/d/x2" "$M/link-f1"; names "$M"; names "$M/d"'
}

UN_NO_UPPER=1 compare_kernel_union readonly-union-each-write setup action
UN_NO_UPPER=1 UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union readonly-union-each-write-nobody setup action
un_done
