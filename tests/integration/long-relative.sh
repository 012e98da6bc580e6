#!/bin/bash
# long-relative: relative paths of up to PATH_MAX-1 bytes ('./' runs, '../d' runs) from a cwd under MERGED: stat, open, mkdir, rename, rmdir answer as the kernel's (the cwd joined to such a path is longer than PATH_MAX); and mkdir+chdir one level at a time as deep as the merged path stays under PATH_MAX.  As root and as nobody owning the lowers.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	make_small_tree "$1"
	chmod -R a+rX "$1"/lower*
}

action() {
	stepx <<'EOS'
"$PYTHON" - "$M" <<'PY'
import os, sys
def t(what, f):
    try:
        f(); print(what, "ok")
    except OSError as e:
        print(what, os.strerror(e.errno))
os.chdir(sys.argv[1] + "/d")
dots = "/".join(["."] * 2045) + "/x1"
ups = ("../d/" * 818) + "x1"
for rel in (dots, ups, ups[:4094] + "x", "./" * 2047 + "x1"):
    t("stat %d" % len(rel), lambda: os.stat(rel))
    t("open %d" % len(rel), lambda: open(rel).read())
new = "/".join(["."] * 2046) + "/nd"
t("mkdir %d" % len(new), lambda: os.mkdir(new))
t("rename", lambda: os.rename(new, "/".join(["."] * 2046) + "/ne"))
t("rename x1", lambda: os.rename("/".join(["."] * 2046) + "/x1", "./x1b"))
t("rmdir", lambda: os.rmdir("/".join(["."] * 2046) + "/ne"))
# one level at a time, while the merged path stays under PATH_MAX
name = "n" * 200
depth = 0
while len(os.getcwd()) + 1 + len(name) < 4000:
    t("mkdir", lambda: os.mkdir(name))
    t("chdir", lambda: os.chdir(name))
    depth += 1
t("create leaf", lambda: open("leaf", "w").write("x"))
t("stat leaf", lambda: os.stat("leaf"))
t("rename leaf", lambda: os.rename("leaf", "leaf2"))
t("unlink leaf2", lambda: os.unlink("leaf2"))
for i in range(depth):
    t("chdir ..", lambda: os.chdir(".."))
    t("rmdir", lambda: os.rmdir(name))
print("depth", depth)
PY
EOS
	step 'names "$M/d"'
}

compare_kernel_union long-relative setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union long-relative-nobody setup action
un_done
