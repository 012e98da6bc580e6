#!/bin/bash
# opendir-after-other-change: a walk's directory opens and listings, when
# another process changes the layers between two calls of this one.
# libunion opens a directory that one layer alone may hold without a
# stat first (namei.c open_single: the upper's name set of its parent,
# the table's records and the directory cache decide that), lists a
# merged directory through the descriptor the caller holds (fdtab knows
# which layer's copy it stands on), and keeps the upper's names of a
# listing only where a lookup would search the upper's copy: each of
# those must notice the change, as the kernel's overlay does.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	local l=$1/lower1 u=$1/upper
	# d: merged (the upper holds u); below it, directories of the
	# lower alone.
	mkf "$u/d/u" 644 "upper"
	mkf "$l/d/l" 644 "lower"
	mkf "$l/d/sub/s1" 644 "sub"
	mkf "$l/d/gone/g1" 644 "gone"
	mkf "$l/d/pure/p1" 644 "pure"
	mkf "$l/d/again/a1" 644 "again"
	mkl sub "$l/d/lnk"
	# d2: merged, its upper copy readable but not searchable.
	mkd "$u/d2" 600
	mkf "$l/d2/lf" 644 "lower file"
	# a directory of the lower alone, below the root (streamed).
	mkf "$l/solo/f1" 644 "solo"
}

cat >"$T/walk.py" <<'EOF'
import os, subprocess, sys
sys.path.insert(0, os.environ["TOP_SRCDIR"] + "/tests/prog")
from pystep import t

m = sys.argv[1]
D = os.O_RDONLY | os.O_DIRECTORY

def sh(cmd):
    subprocess.run(["sh", "-c", cmd], check=True)

def ls(fd):
    return " ".join(sorted(os.listdir(fd)))

fd = os.open(m + "/d", D)
t("list d", lambda: ls(fd))
# A whiteout recorded by another process: the lower's directory is gone
# (listed again: the upper's names are known again, and lack it).
sh("rm -rf '%s/d/gone'" % m)
t("list d", lambda: ls(fd))
t("open gone", lambda: os.open("gone", D, dir_fd=fd))
# Opened once (cached), then copied up by another process: merged now.
s1 = os.open("again", D, dir_fd=fd)
t("list again", lambda: ls(s1))
sh("touch '%s/d/again/new'" % m)
s2 = os.open("again", D, dir_fd=fd)
t("list again after", lambda: ls(s2))
# Listed (the upper lacks sub), then copied up by another process.
t("list d", lambda: ls(fd))
sh("touch '%s/d/sub/new'" % m)
s3 = os.open("sub", D, dir_fd=fd)
t("list sub", lambda: ls(s3))
# A symlink to a directory: followed through the union (listed again:
# the upper's names are known again, and lack it).
t("list d", lambda: ls(fd))
s4 = os.open("lnk", D, dir_fd=fd)
t("list lnk", lambda: ls(s4))
t("open lnk nofollow", lambda: os.open("lnk", D | os.O_NOFOLLOW, dir_fd=fd))
# opendir of "name/" (git's), the upper's names known again.
t("list d", lambda: ls(fd))
t("scandir lnk/", lambda: " ".join(sorted(e.name for e in os.scandir(m + "/d/lnk/"))))
t("scandir gone/", lambda: " ".join(sorted(e.name for e in os.scandir(m + "/d/gone/"))))
# A descriptor on the lower's copy, then the directory copied up by
# another process: its listing is the merged one.
p = os.open("pure", D, dir_fd=fd)
t("stat pure/p1", lambda: os.stat("p1", dir_fd=p).st_size)
sh("touch '%s/d/pure/new2'" % m)
t("stat pure/new2", lambda: os.stat("new2", dir_fd=p).st_size)
t("list pure", lambda: ls(p))
t("list pure again", lambda: ls(p))
t("offset of pure", lambda: os.lseek(p, 0, os.SEEK_CUR))
# An upper copy that cannot be searched: nothing is found below it.
t("list d2", lambda: " ".join(sorted(os.listdir(m + "/d2"))))
t("stat d2/lf", lambda: os.stat(m + "/d2/lf").st_size)
# scandir (opendir) of a directory of one layer, after another process
# made a name in it.
t("scandir solo", lambda: " ".join(sorted(e.name for e in os.scandir(m + "/solo"))))
sh("touch '%s/solo/f2'" % m)
t("scandir solo after", lambda: " ".join(sorted(e.name for e in os.scandir(m + "/solo"))))
EOF

action() {
	step '"$PYTHON" -B "$T/walk.py" "$M"'
}

compare_kernel_union opendir-after-other-change setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union opendir-after-other-change-nobody setup action
un_done
