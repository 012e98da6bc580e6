#!/bin/bash
# copyup-dir-children-after: one process caches directories below lower-only directories, copies them up itself (a chmod that takes only w, which keeps every directory cache; a name made in it), then changes and looks up them and their children by every way that takes a child's layers from the cache ('..', '.', the cwd, a path whose directory part is the child), as root and as the user (the upper copy's mode decides).  Breaking dcache.c's carry of the copied directory's own entry (un_dcache_dir_copied's mask |= 1) fails it; dropping the children's dirgen bump does not (a stale child answers its parent's old layers, which lack only the upper: each user of them then takes the longer way, no other answer): unit/check_namei's dotdot_child_after_parent_copy_up sees those layers.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	local u=$1/upper l=$1/lower1
	mkdir -p "$u" "$l/d/e/x" "$l/d/e2" "$l/d/e3/y" "$l/c/k/z" "$l/c/k2"
	mkf "$l/d/e/x/f" 644 "d/e/x/f from the lower"
	mkf "$l/d/e2/g" 644 "d/e2/g from the lower"
	mkf "$l/d/e3/y/h" 644 "d/e3/y/h from the lower"
	mkf "$l/c/k/z/f" 644 "c/k/z/f from the lower"
	mkf "$l/c/k2/g" 644 "c/k2/g from the lower"
}

# d: copied up by a chmod 0555 (w only: no directory cache dropped), its
# children then changed: the kernel refuses a user what d's upper copy
# refuses (root passes).  c: copied up by a file made in it.
action() {
	stepx <<'PY'
PYTHONPATH="$TOP_SRCDIR/tests/prog" "$PYTHON" -B - "$M" <<'EOF2'
import os, sys
M = sys.argv[1]
from pystep import t
os.chdir(M)
def st(p):
    s = os.stat(p)
    return "%o nlink=%d" % (s.st_mode & 0o7777, s.st_nlink)
# Cached below d and c, both of the lower alone.
for p in ("d", "c", "d/e/x/f", "d/e2/g", "d/e3/y/h", "d/e/x/..", "d/e2/.",
          "c/k/z/f", "c/k2/g", "c/k/z/.."):
    t("stat " + p, lambda: st(p))
print("== d copied up by chmod 0555")
t("chmod d", lambda: os.chmod("d", 0o555))
t("stat d", lambda: st("d"))
t("stat d/e/x/..", lambda: st("d/e/x/.."))
t("mkdir d/e/x/../n", lambda: os.mkdir("d/e/x/../n"))
t("rmdir d/e2/../e3/y/..", lambda: os.rmdir("d/e2/../e3/y/.."))
t("rename d/e/x/../x d/e/x/../x2",
  lambda: os.rename("d/e/x/../x", "d/e/x/../x2"))
t("rename d/e2 d/e9", lambda: os.rename("d/e2", "d/e9"))
t("rmdir d/e2", lambda: os.rmdir("d/e2"))
t("chmod d/e/x/..", lambda: os.chmod("d/e/x/..", 0o750))
t("chmod d/e2/.", lambda: os.chmod("d/e2/.", 0o700))
t("stat d/e2/g", lambda: st("d/e2/g"))
t("chdir d/e3", lambda: os.chdir("d/e3"))
t("chmod .", lambda: os.chmod(".", 0o711))
t("mkdir ./m", lambda: os.mkdir("./m"))
t("rename ../e3 ../e8", lambda: os.rename("../e3", "../e8"))
t("rmdir y", lambda: os.rmdir("y"))
t("stat .", lambda: st("."))
os.chdir(M)
t("listdir d", lambda: sorted(os.listdir("d")))
print("== c copied up by a name made in it")
t("creat c/new", lambda: os.close(os.open("c/new", os.O_CREAT | os.O_WRONLY, 0o644)))
t("stat c/new", lambda: st("c/new"))
t("stat c/k/z/..", lambda: st("c/k/z/.."))
t("mkdir c/k/z/../n", lambda: os.mkdir("c/k/z/../n"))
t("chmod c/k2/.", lambda: os.chmod("c/k2/.", 0o700))
t("rename c/k2 c/k3", lambda: os.rename("c/k2", "c/k3"))
t("chmod c 0555", lambda: os.chmod("c", 0o555))
t("rmdir c/k/z/../n", lambda: os.rmdir("c/k/z/../n"))
t("creat c/k/z/../../new2",
  lambda: os.close(os.open("c/k/z/../../new2", os.O_CREAT | os.O_WRONLY, 0o644)))
t("listdir c", lambda: sorted(os.listdir("c")))
t("listdir c/k", lambda: sorted(os.listdir("c/k")))
EOF2
PY
	step 'listing "$M"'
}

compare_kernel_union copyup-dir-children-after setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union copyup-dir-children-after-nobody setup action
un_done
