"""write-sweep.py - every way of writing we could think of, aimed at
names that lie in the lowers, through the merged view $M (run under
libunion by lowers-never-written.sh, which then checks that no lower
changed).  Errors are expected (a user may not chmod root's file, say)
and only counted; what matters is where the writes that succeed land.

    python3 write-sweep.py M
"""
import errno
import mmap
import os
import stat
import sys

M = sys.argv[1]
done = {"ok": 0, "err": 0}


def attempt(fn, *args, **kw):
    try:
        fn(*args, **kw)
        done["ok"] += 1
    except (OSError, ValueError):
        done["err"] += 1


def p(rel):
    return os.path.join(M, rel)


# Names that reach lower objects in every way a path can: plain, through
# relative and absolute symlinks of the lowers and of the upper, through
# '.', '..' and a '..' that leaves MERGED and comes back in.
BACK_IN = "../" + os.path.basename(M)
TARGETS = [
    "f", "g", "ro", "d/x", "d/sub/y", "hl1", "hl2", "rel-link", "abs-link",
    "dirlink/x", "abslinkdir/x", "chain", "xattr-file", "f2", "d/z",
    "shadow", "e/w", "ulink", "uabs", "d/../f", "d/./x", "dirlink/../g",
    "d/sub/../../f2", BACK_IN + "/g", "d/" + "../" + BACK_IN + "/d/x",
    "escape-back",
]


def append(q):
    with open(q, "a") as fh:
        fh.write("appended\n")


def rdwr(q):
    fd = os.open(q, os.O_RDWR)
    os.pwrite(fd, b"RW", 0)
    os.close(fd)


def trunc_open(q):
    os.close(os.open(q, os.O_WRONLY | os.O_TRUNC))


def rdonly_trunc(q):
    os.close(os.open(q, os.O_RDONLY | os.O_TRUNC))


def fd_changes(q):
    # a read-only descriptor, then changes through it
    fd = os.open(q, os.O_RDONLY)
    for fn, a in ((os.fchmod, (0o640,)), (os.fchown, (0, 0)),
                  (os.utime, ((1, 1),)),
                  (os.setxattr, ("user.sweep", b"fd"))):
        attempt(fn, fd, *a)
    os.close(fd)


def proc_reopen(q):
    # a read-only descriptor reopened for writing through /proc, /dev/fd
    fd = os.open(q, os.O_RDONLY)
    for name in ("/proc/self/fd/%d" % fd, "/dev/fd/%d" % fd):
        attempt(append, name)
        attempt(rdwr, name)
    os.close(fd)


def opath_changes(q):
    fd = os.open(q, os.O_PATH)
    attempt(append, "/proc/self/fd/%d" % fd)
    attempt(os.chmod, "/proc/self/fd/%d" % fd, 0o600)
    attempt(os.truncate, "/proc/self/fd/%d" % fd, 1)
    os.close(fd)


def mapped(q):
    fd = os.open(q, os.O_RDWR)
    size = os.fstat(fd).st_size
    if size:
        mm = mmap.mmap(fd, size)
        mm[0:1] = b"M"
        mm.flush()
        mm.close()
    os.close(fd)


# One fresh lower file (and a relative and an absolute symlink to another)
# for each way of writing, so that each meets a file still in the lower.
ATTACKS = {
    "append": append, "rdwr": rdwr, "trunc": trunc_open,
    "rdtrunc": rdonly_trunc, "fdchg": fd_changes, "proc": proc_reopen,
    "opath": opath_changes, "mapped": mapped,
    "truncate": lambda q: os.truncate(q, 3),
    "chmod": lambda q: os.chmod(q, 0o600),
    "suid": lambda q: os.chmod(q, 0o4755),
    "chown": lambda q: os.chown(q, 1, 1),
    "lchown": lambda q: os.lchown(q, 2, 2),
    "utime": lambda q: os.utime(q, (2, 2)),
    "lutime": lambda q: os.utime(q, (3, 3), follow_symlinks=False),
    "setx": lambda q: os.setxattr(q, "user.sweep", b"v"),
    "lsetx": lambda q: os.setxattr(q, "user.sweep", b"v",
                                   follow_symlinks=False),
    "rmx": lambda q: os.removexattr(q, "user.k"),
    "lrmx": lambda q: os.removexattr(q, "user.k", follow_symlinks=False),
}


def write_ops(path):
    for fn in ATTACKS.values():
        attempt(fn, path)


def fresh_ops():
    for name, fn in ATTACKS.items():
        for q in ("fresh/" + name, "fresh/" + name + "-link",
                  "fresh/" + name + "-abs"):
            attempt(fn, p(q))


def dirfd_ops():
    dfd = os.open(p("d"), os.O_RDONLY | os.O_DIRECTORY)
    attempt(lambda: os.close(os.open("x", os.O_WRONLY | os.O_APPEND,
                                     dir_fd=dfd)))
    attempt(os.chmod, "x", 0o600, dir_fd=dfd)
    attempt(os.chmod, "../f", 0o600, dir_fd=dfd)
    attempt(os.chown, "sub/y", 3, 3, dir_fd=dfd)
    attempt(os.utime, "z", (4, 4), dir_fd=dfd)
    attempt(os.rename, "x", "x-renamed", src_dir_fd=dfd, dst_dir_fd=dfd)
    attempt(os.rename, "x-renamed", "x", src_dir_fd=dfd, dst_dir_fd=dfd)
    attempt(os.link, "z", "z-link", src_dir_fd=dfd, dst_dir_fd=dfd)
    attempt(os.symlink, "x", "x-sym", dir_fd=dfd)
    attempt(os.mkdir, "newdir", dir_fd=dfd)
    attempt(os.unlink, "sub/y", dir_fd=dfd)
    attempt(os.rmdir, "sub", dir_fd=dfd)
    attempt(os.mknod, "node", 0o644 | stat.S_IFIFO, dir_fd=dfd)
    os.close(dfd)


def cwd_ops():
    os.chdir(p("d"))
    attempt(lambda: open("../g", "a").write("cwd\n"))
    attempt(os.chmod, "../shadow", 0o600)
    attempt(lambda: open("/proc/self/cwd/z", "a").write("proc cwd\n"))
    attempt(os.rename, "../f2", "../f2-moved")
    attempt(os.unlink, "../hl2")
    os.chdir("/")


def name_ops():
    # changes of names: the lowers' directories must not change either
    for a, b in (("f", "f-renamed"), ("d", "d-renamed"), ("e", "e2"),
                 ("shadow", "g")):
        attempt(os.rename, p(a), p(b))
    attempt(os.link, p("hl1"), p("hl1-again"))
    attempt(os.link, p("abs-link"), p("abs-link-hard"))
    attempt(os.symlink, "somewhere", p("new-sym"))
    attempt(os.unlink, p("rel-link"))
    attempt(os.unlink, p("chain"))
    attempt(os.mkdir, p("e/newdir"))
    attempt(os.rmdir, p("e"))
    attempt(os.mkfifo, p("dirlink/fifo"))
    for root, dirs, files in os.walk(M, topdown=False):
        for n in files:
            attempt(os.unlink, os.path.join(root, n))
        for n in dirs:
            attempt(os.rmdir, os.path.join(root, n))


fresh_ops()
for t in TARGETS:
    write_ops(p(t))
dirfd_ops()
cwd_ops()
name_ops()
print("write-sweep: %d calls succeeded, %d failed" % (done["ok"], done["err"]))
