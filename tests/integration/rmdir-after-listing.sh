#!/bin/bash
# rmdir-after-listing: rmdir of a directory this process listed and emptied (rm -rf's order) answers without reading the layers again, and only when nothing is visible: a listed lower name still there, a name made in its upper by this process or another, each keeps it (ENOTEMPTY), as the kernel's.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	make_small_tree "$1"
	for d in la lb lc ld; do
		mkf "$1/lower1/$d/f1" 644 "$d/f1"
		mkf "$1/lower1/$d/f2" 644 "$d/f2"
	done
	mkf "$1/lower1/tree/x/x1" 644 x1
	mkf "$1/lower1/tree/y/y1" 644 y1
	mkd "$1/lower1/le" 755
}

action() {
	step 'rm -rf "$M/tree"; names "$M"'
	stepx <<'PY'
PYTHONPATH="$TOP_SRCDIR/tests/prog" "$PYTHON" -B - "$M" <<'EOF2'
import os, subprocess, sys
M = sys.argv[1]
from pystep import t
def ls(d):
    return sorted(os.listdir(d))
# la: a listed name left (f2): not empty.
t("ls la", lambda: ls(M + "/la"))
t("unlink la/f1", lambda: os.unlink(M + "/la/f1"))
t("rmdir la", lambda: os.rmdir(M + "/la"))
# lb: every listed name removed, then one made (by this process).
t("ls lb", lambda: ls(M + "/lb"))
for f in ("f1", "f2"):
    t("unlink lb/" + f, lambda: os.unlink(M + "/lb/" + f))
t("creat lb/new", lambda: os.close(os.open(M + "/lb/new", os.O_CREAT | os.O_WRONLY, 0o644)))
t("rmdir lb", lambda: os.rmdir(M + "/lb"))
t("unlink lb/new", lambda: os.unlink(M + "/lb/new"))
t("rmdir lb", lambda: os.rmdir(M + "/lb"))
# lc: the same, the name made by another process.
t("ls lc", lambda: ls(M + "/lc"))
for f in ("f1", "f2"):
    t("unlink lc/" + f, lambda: os.unlink(M + "/lc/" + f))
subprocess.run(["sh", "-c", 'echo other >"$0/lc/other"', M], check=True)
t("rmdir lc", lambda: os.rmdir(M + "/lc"))
t("ls lc", lambda: ls(M + "/lc"))
# ld: a listed name brought back (made again) and removed by another
# process: empty again.
t("ls ld", lambda: ls(M + "/ld"))
for f in ("f1", "f2"):
    t("unlink ld/" + f, lambda: os.unlink(M + "/ld/" + f))
subprocess.run(["sh", "-c", 'echo back >"$0/ld/f1"', M], check=True)
t("rmdir ld", lambda: os.rmdir(M + "/ld"))
subprocess.run(["sh", "-c", 'rm "$0/ld/f1"', M], check=True)
t("rmdir ld", lambda: os.rmdir(M + "/ld"))
# le: an empty lower directory, listed.
t("ls le", lambda: ls(M + "/le"))
t("rmdir le", lambda: os.rmdir(M + "/le"))
t("ls", lambda: ls(M))
EOF2
PY
}

check() { check_whiteout "$1" "$2" lb ld le tree; }

compare_kernel_union rmdir-after-listing setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union rmdir-after-listing-nobody setup action check
un_done
