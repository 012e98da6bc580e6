#!/bin/bash
# long-merged: a directory chain deeper than PATH_MAX (30 names of 200 bytes) in the upper and in a lower alike, merged all the way down: stats and listings at the bottom of names in one layer or in both (a merged directory's lower copy is stat'ed after its upper one: its path, over 6,000 bytes, has no room in the lookup's buffer after the upper's, namei.c component_long), from the deep cwd, through '..', a child exec'd there, some of the lower's own names removed (whiteouts), and the harness's final listing (find) of what is left.  As root and as nobody owning the lowers.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	make_small_tree "$1"
	# mkdir -p cannot make it: one level at a time, with *at calls.
	"$PYTHON" - "$1/upper" "$1/lower1" <<'PY'
import os, sys
for top, mine in zip(sys.argv[1:], ("up", "lo")):
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    for name in ["deep"] + ["n" * 200] * 30:
        os.mkdir(name, 0o755, dir_fd=fd)
        nfd = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = nfd
    for d in ("both", "both/in", mine + "d"):
        os.mkdir(d, 0o755, dir_fd=fd)
    for f in (mine, "both/" + mine, "both/in/" + mine, mine + "d/f"):
        w = os.open(f, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(w, (top[-6:] + " " + f + "\n").encode())
        os.close(w)
    # A time before 2005 (fix_times keeps it: its touch cannot reach
    # this deep), from the bottom up through '..'.
    t = (1000000000, 1000000000)
    for f in (mine, "both/" + mine, "both/in/" + mine, mine + "d/f",
              "both/in", "both", mine + "d", "."):
        os.utime(f, t, dir_fd=fd, follow_symlinks=False)
    for i in range(31):
        nfd = os.open("..", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = nfd
        os.utime(".", t, dir_fd=fd)
    os.close(fd)
PY
	chmod -R a+rX "$1"/lower*
}

action() {
	stepx <<'EOS'
PYTHONPATH="$TOP_SRCDIR/tests/prog" "$PYTHON" -B - <<'PY'
import stat, subprocess
from deep import *
down(os.environ["M"] + "/deep")
print("deep", len(os.getcwd()) > 4096)
def st(p):
    s = os.lstat(p)
    return "%s %d" % (stat.filemode(s.st_mode), s.st_size if not stat.S_ISDIR(s.st_mode) else 0)
for p in ("up", "lo", "both", "both/up", "both/lo", "both/in", "both/in/up",
          "both/in/lo", "upd", "lod/f", "nothing", "both/nothing", ".",
          "../" + N, "../" + N + "/both/in/lo", "./both/../both/in"):
    t("lstat " + p, lambda: st(p))
for p in (".", "both", "both/in", "../" + N + "/both"):
    t("list " + p, lambda: sorted(os.listdir(p)))
t("read both/in/lo", lambda: open("both/in/lo").read().strip())
t("read ../n/both/up", lambda: open("../" + N + "/both/up").read().strip())
subprocess.run(["bash", "-c", "stat -c '%A %n' both both/in lod/f; "
                "ls both/in; cat both/lo"])
# Some go (the lower's by whiteouts); the rest stay for the harness's
# final listing, whose find walks them by descriptors (it lost a
# lower's names there: integration/walk-long-merged).
for p in ("both/lo", "both/in/up", "upd/f"):
    t("unlink " + p, lambda: os.unlink(p))
for p in (".", "both", "both/in"):
    t("list " + p, lambda: sorted(os.listdir(p)))
PY
EOS
}

compare_kernel_union long-merged setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union long-merged-nobody setup action
un_done
