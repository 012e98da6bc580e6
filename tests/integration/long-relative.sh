#!/bin/bash
# long-relative: relative paths of up to PATH_MAX-1 bytes ('./' runs, '../d' runs) from a cwd under MERGED: stat, open, mkdir, rename, rmdir answer as the kernel's (the cwd joined to such a path is longer than PATH_MAX); and mkdir+chdir one level at a time as deep as the merged path stays under PATH_MAX; then past it (issue 11, item 9: 30 names of 200 bytes): create, stat, rename, symlink, readlink, mkdir, list, rmdir, unlink, '..' paths relative to the deep cwd, a child given the deep cwd across exec, chdir('..') back out, and rm -r of the top (fts: openat/unlinkat relative to deep descriptors).  As root and as nobody owning the lowers.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	make_small_tree "$1"
	chmod -R a+rX "$1"/lower*
}

action() {
	stepx <<'EOS'
PYTHONPATH="$TOP_SRCDIR/tests/prog" "$PYTHON" -B - <<'PY'
from deep import *
os.chdir(os.environ["M"] + "/d")
dots = "/".join(["."] * 2045) + "/x1"
ups = ("../d/" * 818) + "x1"
for rel in (dots, ups, ups[:4094] + "x", "./" * 2047 + "x1"):
    t("stat %d" % len(rel), lambda: os.stat(rel) and None)
    t("open %d" % len(rel), lambda: open(rel).read() and None)
new = "/".join(["."] * 2046) + "/nd"
t("mkdir %d" % len(new), lambda: os.mkdir(new))
t("rename", lambda: os.rename(new, "/".join(["."] * 2046) + "/ne"))
t("rename x1", lambda: os.rename("/".join(["."] * 2046) + "/x1", "./x1b"))
t("rmdir", lambda: os.rmdir("/".join(["."] * 2046) + "/ne"))
# one level at a time, while the merged path stays under PATH_MAX
name = N
depth = 0
while len(os.getcwd()) + 1 + len(name) < 4000:
    t("mkdir", lambda: os.mkdir(name))
    t("chdir", lambda: os.chdir(name))
    depth += 1
t("create leaf", lambda: open("leaf", "w").write("x") and None)
t("stat leaf", lambda: os.stat("leaf") and None)
t("rename leaf", lambda: os.rename("leaf", "leaf2"))
t("unlink leaf2", lambda: os.unlink("leaf2"))
for i in range(depth):
    t("chdir ..", lambda: os.chdir(".."))
    t("rmdir", lambda: os.rmdir(name))
print("depth", depth)
PY
EOS
	# One process goes down (os.mkdir, os.chdir), works there, hands
	# the deep cwd to a child across exec, and comes back up.
	stepx <<'EOS'
PYTHONPATH="$TOP_SRCDIR/tests/prog" "$PYTHON" -B - <<'PY'
import subprocess
from deep import *
down(os.environ["M"] + "/d", make=True)
print("deep", len(os.getcwd()) > 4096)
t("create", lambda: open("leaf", "w").write("x") and None)
t("stat", lambda: os.stat("leaf").st_size)
t("rename", lambda: os.rename("leaf", "leaf2"))
t("symlink", lambda: os.symlink("leaf2", "s1"))
t("readlink", lambda: os.readlink("s1"))
t("mkdir", lambda: os.mkdir("sub"))
t("list", lambda: sorted(os.listdir(".")))
t("rmdir", lambda: os.rmdir("sub"))
t("unlink", lambda: os.unlink("s1"))
t("stat ../..", lambda: os.stat("../..").st_nlink)
t("open ../n/leaf2", lambda: open("../" + N + "/leaf2").read())
t("list ../ x30", lambda: sorted(os.listdir("../" * 30)))
subprocess.run(["bash", "-c", "touch t1; mv t1 t2; stat -c '%s %F' t2; ls; "
                "ls $(printf '../%.0s' {1..30}); rm t2 leaf2; ls -a"])
for i in range(30):
    os.chdir("..")
print(os.getcwd() == os.environ["M"] + "/d")
PY
EOS
	# rm -r walks it with fts: openat/unlinkat relative to deep descriptors
	step 'cd "$M/d"; rm -r nnn*; echo "rm $?"; ls -a'
	step 'names "$M/d"'
}

compare_kernel_union long-relative setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union long-relative-nobody setup action
un_done
