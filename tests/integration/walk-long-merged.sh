#!/bin/bash
# walk-long-merged: the walkers (find, find -printf, du, tar c | tar t, ls -laR, Python's os.walk and os.fwalk, glibc's walkers (from the top and the bottom), getdents64, chmod -R, find -execdir and -delete, rm -rf, cp -a) over a chain of directories deeper than PATH_MAX (30 names of 200 bytes) merged from the upper and two lowers all the way down, with at its bottom names of each layer alone, of several, a lower's whiteout (0/0) and opaque directory, and whiteouts and an opaque directory made there by the steps; changes through a descriptor that deep (unlinkat, mkdirat, renameat, openat O_CREAT, symlinkat, fchdir and names relative to it; fstat's nlink; realpath).  fts walks by descriptors: fdopendir of one whose merged path was past PATH_MAX listed the upper's copy alone (find lost the lowers' names there).  As root and as nobody owning the lowers.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_kernel_overlay
need_cmd setfattr tar du
need_prog walkers
need_prog rawsys

# The lowers' opaque mark is user.overlay.opaque, which the kernel reads
# with userxattr and nobody (the library's reader as nobody) can read:
# trusted.* is root's alone.
setup() {
	mkdir -p "$1/upper" "$1/lower1" "$1/lower2"
	# mkdir -p cannot make it: one level at a time, with *at calls.
	# (A lower's whiteout is a 0/0 device: root's mknod, here.)
	"$PYTHON" - "$1" <<'PY'
import os, sys
top = sys.argv[1]
N = "n" * 200
# What each layer holds at the bottom of deep/N x30 (directories end in
# '/'; "dev" a 0/0 device, "opq/" an opaque directory).
have = {
    "upper": ["up", "upd/", "upd/f", "both/", "both/up", "both/in/",
              "both/in/up", "mix/", "mix/up", "odir/", "odir/u"],
    "lower1": ["lo", "lod/", "lod/f", "lod/sub/", "lod/sub/g", "both/",
               "both/lo", "both/in/", "both/in/lo", "wh=dev", "opq/=opq",
               "opq/l1", "mix/", "mix/l1", "lw/", "lw/a", "gone", "gdir/", "gdir/x",
               "odir/", "odir/a", "lnk=>lo"],
    "lower2": ["lo2", "lod2/", "lod2/f2", "lod2/s/", "lod2/s/t", "both/",
               "both/lo2", "both/in/", "both/in/lo2", "wh", "opq/", "lw/", "lw/b",
               "opq/l2", "mix/", "mix/l2", "odir/", "odir/b", "gone"],
}
t = (1000000000, 1000000000)
for layer, names in have.items():
    for chain in ("deep", "deep2"):
        fd = os.open(os.path.join(top, layer), os.O_RDONLY | os.O_DIRECTORY)
        for name in [chain] + [N] * 30:
            os.mkdir(name, 0o755, dir_fd=fd)
            nfd = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = nfd
        made = []
        for spec in names if chain == "deep" else names[:4]:
            name, _, kind = spec.partition("=")
            if name.endswith("/"):
                name = name[:-1]
                os.mkdir(name, 0o755, dir_fd=fd)
                if kind == "opq":
                    o = os.open(name, os.O_RDONLY, dir_fd=fd)
                    os.setxattr(o, "user.overlay.opaque", b"y")
                    os.close(o)
            elif kind == "dev":
                os.mknod(name, 0o644 | 0o020000, os.makedev(0, 0),
                         dir_fd=fd)
            elif kind.startswith(">"):
                os.symlink(kind[1:], name, dir_fd=fd)
            else:
                w = os.open(name, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
                os.write(w, ("%s %s\n" % (layer, name)).encode())
                os.close(w)
            made.append(name)
        # A time before 2005 (fix_times keeps it: its touch cannot reach
        # this deep), from the bottom up through '..'.
        for name in reversed(made):
            os.utime(name, t, dir_fd=fd, follow_symlinks=False)
        os.utime(".", t, dir_fd=fd)
        for i in range(31):
            nfd = os.open("..", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = nfd
            os.utime(".", t, dir_fd=fd)
        os.close(fd)
PY
	# A directory of the lowers alone just below the root.
	mkdir -p "$1/lower1/lws/a" "$1/lower2/lws/b"
	chmod -R a+rX "$1"/lower*
}

# Shorter transcripts: each 200-byte name as N.
export SHORT='s/n\{200\}/N/g'

action() {
	# The walkers from the top, by descriptors (find's and du's fts,
	# tar's openat), and ls -R's by whole paths (refused past PATH_MAX
	# on both sides).  (Sizes of directories differ legitimately.)
	step 'cd "$M" && find deep | sed "$SHORT"'
	step 'cd "$M" && find deep \( -type d -printf "%p d %n\n" \) -o -printf "%p %y %s %n\n" | sed "$SHORT"'
	step 'cd "$M" && find deep -type f -execdir cat {} + | sort | uniq -c'
	step 'cd "$M" && du -a --inodes deep | sed "$SHORT"'
	step 'cd "$M" && tar -cf - deep | tar -tvf - --numeric-owner | awk '\''{ $2 = "-"; $4 = $5 = "-"; if ($1 ~ /^d/) $3 = "-" } 1'\'' | sed "$SHORT"'
	step 'cd "$M" && ls -laRgo --time-style=+ deep 2>&1 | awk '\''/^total / { $2 = "-" } /^d/ { $3 = "-" } 1'\'' | sed "$SHORT" | cut -c1-300'
	# glibc's walkers (the library's own, walk.c) from the top: nftw,
	# ftw and fts's chdir mode go on below PATH_MAX's depth (they stopped
	# at depth 21 with ENAMETOOLONG), fts -L and scandir do not.
	step 'cd "$M" && "$TESTPROG/walkers" deep | sed "$SHORT"'
	stepx <<'EOS'
PYTHONPATH="$TOP_SRCDIR/tests/prog" "$PYTHON" -B - <<'PY' | sed "$SHORT"
import subprocess, sys
from deep import *
top = os.environ["M"] + "/deep"
# os.fwalk: by descriptors from the top; os.walk: by paths from the
# bottom (from the top they stop at PATH_MAX on both sides).
for p, ds, fs, dfd in os.fwalk(top):
    print("fwalk", p[len(top):], sorted(ds), sorted(fs),
          os.fstat(dfd).st_nlink)
down(top)
print("deep", len(os.getcwd()) > 4096)
# libc's realpath there: glibc's refuses a name past PATH_MAX (its
# readlink by the whole path), answers '.' and '..' by name (into memory
# of its own), and never writes past the caller's PATH_MAX bytes.  (ASan's
# realpath hands down a buffer of its own for NULL: the sanitizer build
# answers as with one, but its pass compares nothing, UN_UNION_ONLY.)
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.realpath.restype = ctypes.c_void_p
def realpath(p, room):
    buf = ctypes.create_string_buffer(room) if room else None
    r = libc.realpath(p.encode(), buf)
    if not r:
        return os.strerror(ctypes.get_errno())
    s = ctypes.string_at(r).decode()
    if not room:
        libc.free(ctypes.c_void_p(r))
    return "%d %s" % (len(s) > 4095, s[len(top):].replace(N, "N"))
for p in (".", "both", "lnk", "../" + N, "../../..", "../" * 11 + N,
          "nothing"):
    for room in (None, 4096 + 16):
        print("realpath", p.replace(N, "N"), room, realpath(p, room))
for p, ds, fs in os.walk("."):
    print("walk", p, sorted(ds), sorted(fs))
sys.stdout.flush()	# (before the children's lines)
subprocess.run("ls -laRgo --time-style=+ . | awk '/^total / { $2 = \"-\" } /^d/ { $3 = \"-\" } 1'",
               shell=True)
# glibc's walkers (the library's own, walk.c: by whole paths, short from
# here) and getdents64 by syscall() (dents.c) on descriptors this deep.
p = os.environ["TESTPROG"]
subprocess.run([p + "/walkers", "."])
subprocess.run([p + "/rawsys", "getdents64", ".", "32768", "--",
                "getdents64", "both", "4096", "--", "getdents", "lod", "4096"])
PY
EOS
	# getdents64's '..' in a directory merged from the lowers alone: at
	# the bottom the parent's stat (it was '.''s: the parent's whole path
	# is no lookup's), below the root the topmost lower's own '..', its
	# root's (it was the root's stat).  (Inode numbers differ between the sides: each
	# is compared with stat on its side.)
	stepx <<'EOS'
PYTHONPATH="$TOP_SRCDIR/tests/prog" "$PYTHON" -B - <<'PY'
import ctypes, struct
from deep import *
libc = ctypes.CDLL(None, use_errno=True)
def dents(fd):
    buf, out = ctypes.create_string_buffer(32768), {}
    n = libc.syscall(217, fd, buf, 32768)	# SYS_getdents64
    off = 0
    while off < n:
        ino, _, reclen = struct.unpack_from("QqH", buf.raw, off)
        out[buf.raw[off + 19:off + reclen].split(b"\0")[0]] = ino
        off += reclen
    return out
def check(where, fd):
    d = dents(fd)
    up = os.stat("..", dir_fd=fd).st_ino
    print(where, ". as stat", d[b"."] == os.fstat(fd).st_ino,
          ".. as the parent's stat", d[b".."] == up)
    return d
M = os.environ["M"]
down(M + "/deep")
fd = os.open("lw", os.O_RDONLY | os.O_DIRECTORY)
check("bottom lw", fd)
fd = os.open(M + "/lws", os.O_RDONLY | os.O_DIRECTORY)
d = check("lws", fd)
print("lws .. as lower1's root", d[b".."] ==
      os.stat(os.environ["L"] + "/lower1").st_ino)
PY
EOS
	# A child handed a descriptor on the bottom directory and a cwd
	# there: /proc cannot give its path (longer than a page), so the
	# library found it by its '..'s (fd_deep.c; it was taken for a
	# directory outside the union: the upper's copy alone).
	stepx <<'EOS'
PYTHONPATH="$TOP_SRCDIR/tests/prog" "$PYTHON" -B - <<'PY' 2>&1 | sed "$SHORT"
import subprocess, sys
from deep import *
fd = os.open(os.environ["M"] + "/deep", os.O_RDONLY | os.O_DIRECTORY)
for _ in range(DEPTH):
    nfd = os.open(N, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
    os.close(fd)
    fd = nfd
os.dup2(fd, 9)
os.fchdir(fd)
sys.stdout.flush()
child = """
from deep import *
t("listdir fd", lambda: sorted(os.listdir(9)))
t("listdir cwd", lambda: sorted(os.listdir(".")))
t("listdir both", lambda: sorted(os.listdir(os.open("both", os.O_RDONLY,
                                                    dir_fd=9))))
t("read lo2", lambda: open(os.open("lo2", os.O_RDONLY, dir_fd=9)).read())
t("stat wh", lambda: os.stat("wh", dir_fd=9))
t("nlink fd", lambda: os.stat(9).st_nlink)
"""
subprocess.run([sys.executable, "-B", "-c", child], pass_fds=[9])
PY
EOS
	# Changes through descriptors opened read-only on the lowers' (and
	# the upper's) objects at the bottom: fchmod, futimens and listings
	# through them.  The change went through to the lower's copy (fdtab's
	# PATH_MAX buffer: taken for a descriptor outside; the harness's
	# check of the lowers could not see that deep either).
	stepx <<'EOS'
PYTHONPATH="$TOP_SRCDIR/tests/prog" "$PYTHON" -B - <<'PY' 2>&1 | sed "$SHORT"
from deep import *
fd = os.open(os.environ["M"] + "/deep", os.O_RDONLY | os.O_DIRECTORY)
for _ in range(DEPTH):
    nfd = os.open(N, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
    os.close(fd)
    fd = nfd
fds = {n: os.open(n, os.O_RDONLY, dir_fd=fd)
       for n in ("lod", "lod2", "upd", "both", "lo", "lo2")}
for n in ("lod", "lod2", "upd", "both"):
    t("fchmod " + n, lambda: os.chmod(fds[n], 0o700))
t("futimens lod2", lambda: os.utime(fds["lod2"], (1234567890, 1234567890)))
t("fchmod lo", lambda: os.chmod(fds["lo"], 0o600))
t("futimens lo2", lambda: os.utime(fds["lo2"], (1234567890, 1234567890)))
for n in ("lod", "lod2", "upd", "both"):
    t("list " + n, lambda: sorted(os.listdir(fds[n])))
for n in sorted(fds):
    st = os.stat(n, dir_fd=fd)
    print(n, oct(st.st_mode & 0o777), st.st_mtime)
PY
EOS
	# Changes through a descriptor on the bottom directory (openat down
	# the chain), then from the cwd there (fchdir).
	stepx <<'EOS'
PYTHONPATH="$TOP_SRCDIR/tests/prog" "$PYTHON" -B - <<'PY' | sed "$SHORT"
import shutil, stat, subprocess
from deep import *
fd = os.open(os.environ["M"] + "/deep", os.O_RDONLY | os.O_DIRECTORY)
for _ in range(DEPTH):
    nfd = os.open(N, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
    os.close(fd)
    fd = nfd
def ls(p=None):
    return sorted(os.listdir(fd if p is None else p))
def mk(name, text):
    w = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644, dir_fd=fd)
    os.write(w, text.encode())
    os.close(w)
t("listdir fd", ls)
t("nlink fd", lambda: os.fstat(fd).st_nlink)
t("unlink gone", lambda: os.unlink("gone", dir_fd=fd))
t("unlink gone again", lambda: os.unlink("gone", dir_fd=fd))
t("unlink gdir/x", lambda: os.unlink("gdir/x", dir_fd=fd))
t("rmdir gdir", lambda: os.rmdir("gdir", dir_fd=fd))
t("rmdir mix", lambda: os.rmdir("mix", dir_fd=fd))
t("mkdir newd", lambda: os.mkdir("newd", dir_fd=fd))
t("create newd/f", lambda: mk("newd/f", "new\n"))
t("create lo", lambda: mk("lo", "x"))
t("rename lo", lambda: os.rename("lo", "lo-moved", src_dir_fd=fd,
                                 dst_dir_fd=fd))
t("rename up", lambda: os.rename("up", "up-moved", src_dir_fd=fd,
                                 dst_dir_fd=fd))
t("rename lod2/f2", lambda: os.rename("lod2/f2", "f2", src_dir_fd=fd,
                                      dst_dir_fd=fd))
t("symlink", lambda: os.symlink("lo2", "sl", dir_fd=fd))
t("readlink", lambda: os.readlink("sl", dir_fd=fd))
t("readlink lnk", lambda: os.readlink("lnk", dir_fd=fd))
t("rename lnk", lambda: os.rename("lnk", "lnk-moved", src_dir_fd=fd,
                                  dst_dir_fd=fd))
t("stat lnk-moved", lambda: os.stat("lnk-moved", dir_fd=fd).st_size)
t("stat wh", lambda: os.stat("wh", dir_fd=fd))
t("listdir fd", ls)
os.fchdir(fd)
t("list opq", lambda: ls("opq"))
t("list both/in", lambda: ls("both/in"))
t("append lo2", lambda: open("lo2", "a").write("more\n") and None)
t("read lo2", lambda: open("lo2").read())
t("mkdir viacwd", lambda: os.mkdir("viacwd"))
# rm -r and mkdir again: an opaque directory at the bottom.
t("rmtree odir", lambda: shutil.rmtree("odir"))
t("mkdir odir", lambda: os.mkdir("odir"))
t("list odir", lambda: ls("odir"))
t("list .", lambda: ls("."))
t("nlink .", lambda: os.stat(".").st_nlink)
# Another process's change: what the library knew of the layers goes.
subprocess.run("mkdir $M/other && rmdir $M/other", shell=True)
t("nlink fd", lambda: os.fstat(fd).st_nlink)
os.close(fd)
PY
EOS
	# cp -a of the lowers' trees there, from the cwd at the bottom; the
	# walkers again over what the changes made.
	stepx <<'EOS'
PYTHONPATH="$TOP_SRCDIR/tests/prog" "$PYTHON" -B - <<'PY'
import subprocess
from deep import *
down(os.environ["M"] + "/deep")
subprocess.run("cp -a lod2 lod2-copy && cp -a both both-copy && cp -a opq opq-copy && cp -a lod lod-copy; echo cp $?", shell=True)
PY
EOS
	step 'cd "$M" && find deep -mindepth 31 \( -type d -printf "%p d\n" \) -o -printf "%p %y %s\n" | sed "$SHORT"'
	step 'cd "$M" && tar -cf - deep | tar -tf - | sed "$SHORT" | tail -n 40'
	# fts's changes from the top: chmod -R, find -execdir and -delete.
	step 'cd "$M" && chmod -R go-w deep; echo "chmod $?"; find deep -perm -g=w -printf "%p %y\n" | sed "$SHORT"'
	step 'cd "$M" && find deep -name "*2" -execdir touch -d @1234567890 {} +; find deep -newermt 2009-02-13 -printf "%p\n" | sed "$SHORT"'
	step 'cd "$M" && find deep -name "lo*" -delete 2>&1 | sed "$SHORT"; find deep -mindepth 31 -printf "%p %y\n" | sed "$SHORT"'
	# rm -rf of the second chain from the top (fts: unlinkat and
	# openat relative to descriptors all the way down).
	step 'cd "$M" && rm -rf deep2; echo "rm $?"; ls -a'
}

UN_KERNEL_OPTS=userxattr compare_kernel_union walk-long-merged setup action
UN_KERNEL_OPTS=userxattr UN_AS=nobody UN_NOBODY_LOWERS=1 \
	compare_kernel_union walk-long-merged-nobody setup action
un_done
