# fdlist.py: show(fds), the listings of directories held open, read
# through their descriptors, for integration/fdopendir-root-lost-search
# and fdopendir-lower-below-lost-search (the kernel's run and
# libunion's alike).  Each (name, fd) of fds prints two lines:
#
#	NAME listdir ['a', 'b']      os.listdir(fd): fdopendir, readdir
#	NAME getdents64 ['a', 'b']   getdents64 by syscall() (no libc
#	                             wrapper: the library's syscall wrapper)
#
# the names sorted without '.' and '..', or the error's name (EACCES).
# (The second line only where the machine's number for getdents64 is
# known here.)  Imported with PYTHONPATH="$TOP_SRCDIR/tests/prog".
import ctypes
import errno
import os

__all__ = ["show"]

NR = {"x86_64": 217, "aarch64": 61, "riscv64": 61}.get(os.uname().machine)
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def raw(fd):
    """fd's names by getdents64 from its start, or the error's name."""
    buf = ctypes.create_string_buffer(32768)
    os.lseek(fd, 0, os.SEEK_SET)
    names = []
    while True:
        got = libc.syscall(NR, fd, buf, 32768)
        if got < 0:
            return errno.errorcode[ctypes.get_errno()]
        if got == 0:
            return sorted(names)
        pos = 0
        while pos < got:
            reclen = int.from_bytes(buf.raw[pos + 16:pos + 18], "little")
            name = buf.raw[pos + 19:pos + reclen].split(b"\0", 1)[0]
            if name not in (b".", b".."):
                names.append(name.decode())
            pos += reclen


def show(fds):
    for n, fd in fds:
        try:
            print(n, "listdir", sorted(os.listdir(fd)))
        except OSError as e:
            print(n, "listdir", errno.errorcode[e.errno])
        if NR:
            print(n, "getdents64", raw(fd))
