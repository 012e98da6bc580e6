#!/bin/bash
# fd-change-after-other-copy-up: a change through a descriptor of a lower file opened before another process copied it up reaches its copy, even once the copy changed size (the kernel's descriptor holds the overlay inode); after another process renamed a file of the same size and mtime over its name, it fails with EEXIST and the file renamed there keeps its mode (libunion took that file for the copy by its size and mtime: wrap_fd.c fd_copy_of reads the copy's recorded origin).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	local l=$1/lower1
	mkdir -p "$1/upper" "$l"
	mkf "$l/a" 644 "a from the lower"
	mkf "$l/b" 644 "bb"
	mkf "$l/c" 644 "cc"
	touch -d @1000000000 "$l/b" "$l/c"
}

action() {
	stepx <<'PY'
PYTHONPATH="$TOP_SRCDIR/tests/prog" "$PYTHON" -B - "$M" <<'EOF2'
import os, subprocess, sys
M = sys.argv[1]
from pystep import t
mode = lambda p: oct(os.stat(p).st_mode & 0o7777)
fa = os.open(M + "/a", os.O_RDONLY)
fb = os.open(M + "/b", os.O_RDONLY)
subprocess.run(["sh", "-c", 'chmod 640 "$0" && echo more >>"$0"', M + "/a"],
               check=True)
t("fchmod a", lambda: os.fchmod(fa, 0o600))
t("mode a", lambda: mode(M + "/a"))
t("futimes a", lambda: os.utime(fa, (1100000000, 1100000000)))
t("mtime a", lambda: os.stat(M + "/a").st_mtime)
t("read a", lambda: open(M + "/a").read())
subprocess.run(["mv", M + "/c", M + "/b"], check=True)
t("fchmod b", lambda: os.fchmod(fb, 0o600))
t("futimes b", lambda: os.utime(fb, (1100000000, 1100000000)))
t("mode b", lambda: mode(M + "/b"))
t("mtime b", lambda: os.stat(M + "/b").st_mtime)
t("read b", lambda: open(M + "/b").read())
EOF2
PY
}

compare_kernel_union fd-change-after-other-copy-up setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union fd-change-after-other-copy-up-nobody setup action
un_done
