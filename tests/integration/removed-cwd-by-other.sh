#!/bin/bash
# removed-cwd-by-other: a cwd (and a descriptor opened there) that ANOTHER process removed (rm -r): getcwd, stat of '.' and fstat (nlink 1 where the kernel's dentry was merged: a lower directory with entries, whose removal copied it up first, or an upper copy over a lower; the real nlink for a lower one alone and an upper one alone), '..', a listing, changes of '.' (chmod, utime, chown: the kernel changes the deleted copy), names and creations in it, then cd .. and on, as the kernel's.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	make_small_tree "$1"
	mkf "$1/lower1/pl/sub/f" 644 "pl/sub/f, lower1 only"
	mkf "$1/lower1/pl/g" 644 "pl/g, lower1 only"
	mkf "$1/lower1/pl2/g" 644 "pl2/g, lower1 only"
	mkf "$1/upper/up/sub/h" 644 "up/sub/h, upper only"
}

action() {
	stepx <<'PY'
PYTHONPATH="$TOP_SRCDIR/tests/prog" "$PYTHON" -B - "$M" <<'EOF2'
import os, subprocess, sys
M = sys.argv[1]
from pystep import t
def st(p):
    s = os.stat(p)
    return "%o nlink=%d" % (s.st_mode, s.st_nlink)
# pl, pl2: lower1 only, with entries; d: merged (upper and lowers); up: upper
# only; e1: lower1 only, empty.
for d in ("pl", "d", "up", "e1", "pl2"):
    print("==", d)
    os.chdir(M + "/" + d)
    fd = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
    subprocess.run(["sh", "-c", 'rm -rf "$0"', M + "/" + d], check=True)
    t("getcwd", os.getcwd)
    t("stat .", lambda: st("."))
    t("stat ..", lambda: st(".."))
    t("fstat fd", lambda: st(fd))
    t("listdir fd", lambda: sorted(os.listdir(fd)))
    t("listdir", lambda: sorted(os.listdir(".")))
    t("stat sub", lambda: st("sub"))
    def dot():
        t("chmod .", lambda: os.chmod(".", 0o750))
        t("utime .", lambda: os.utime(".", (1, 2)))
        t("chown .", lambda: os.chown(".", -1, os.getgid()))
        t("stat . after", lambda: st(".") + " mtime=%d" % os.stat(".").st_mtime)
    def byfd():
        t("fchmod fd", lambda: os.chmod(fd, 0o710))
        t("fstat fd after", lambda: st(fd))
    # (pl2: the descriptor's change first, then '.')
    for f in ((byfd, dot) if d == "pl2" else (dot, byfd)):
        f()
    t("mkdir x", lambda: os.mkdir("x"))
    t("creat y", lambda: os.close(os.open("y", os.O_CREAT | os.O_WRONLY, 0o644)))
    t("chdir ..", lambda: os.chdir(".."))
    t("getcwd", os.getcwd)
    t("listdir", lambda: sorted(os.listdir("."))[:4])
EOF2
ls -A "$M"
PY
}

compare_kernel_union removed-cwd-by-other setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 UN_MERGED_ABSENT=1 \
	compare_kernel_union removed-cwd-by-other-nobody setup action
un_done
