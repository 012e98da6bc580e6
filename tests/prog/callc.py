#!/usr/bin/env python3
# callc.py FUNC ARG... [-- FUNC ARG...]...: calls sysop does not make, made
# through libc with ctypes (so that libunion's interposer answers), each
# printed as "FUNC ARG...: ok" or "FUNC ARG...: ENAME".  An argument of
# digits is an int (a leading 0: octal), NULL a null pointer, AT_FDCWD
# itself, dir:PATH a descriptor of the directory PATH, rd:PATH one of PATH
# opened read-only (O_RDONLY|O_NOFOLLOW), tv:SEC two struct
# timevals, ts:SEC two struct timespecs, ub:SEC a struct utimbuf, all of
# SEC seconds; anything else a string.
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
    if a.startswith("rd:"):
        fd = os.open(a[3:], os.O_RDONLY | os.O_NOFOLLOW)
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
