#!/bin/bash
# fd-after-python-subprocess: a directory descriptor of the union stays the union's after Python's subprocess.run, whose vfork child closes every descriptor (close_range) in the parent's memory before its exec: names looked up and listed through it after a lower name was removed.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_small_tree "$1"; }

action() {
	stepx <<'PY'
PYTHONPATH="$TOP_SRCDIR/tests/prog" "$PYTHON" -B - "$M" <<'EOF2'
import os, subprocess, sys
M = sys.argv[1]
from pystep import t
fd = os.open(M + "/d2", os.O_RDONLY | os.O_DIRECTORY)
subprocess.run(["true"], check=True)
os.unlink(M + "/d2/only2")
t("stat only2", lambda: os.stat("only2", dir_fd=fd).st_size)
t("listdir", lambda: sorted(os.listdir(fd)))
t("open deeper/z", lambda: os.close(os.open("deeper/z", os.O_RDONLY, dir_fd=fd)))
subprocess.run(["sh", "-c", 'rm -rf "$0"', M + "/d2"], check=True)
t("listdir removed", lambda: sorted(os.listdir(fd)))
EOF2
PY
}

compare_kernel_union fd-after-python-subprocess setup action
un_done
