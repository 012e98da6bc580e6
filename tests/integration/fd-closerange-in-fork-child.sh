#!/bin/bash
# fd-closerange-in-fork-child: after a vfork (subprocess.run), a forked child (of a one-threaded parent, whose fork runs no lock handler) that closes its descriptors with close_range, then gets the same numbers for a pipe, finds them pipes: names looked up through them answer ENOTDIR as the kernel's, never the merged directory the parent had open there.
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
# A vfork first (subprocess's): its flag stays set in this thread until
# a close here tests it, so the fork child must know its own table.
subprocess.run(["true"], check=True)
pid = os.fork()
if pid == 0:
    os.closerange(fd, 1000)
    r, w = os.pipe()
    print("pipe at the directory's number", r == fd)
    t("stat only2 through the pipe", lambda: os.stat("only2", dir_fd=r).st_size)
    t("listdir the pipe", lambda: sorted(os.listdir(r)))
    sys.stdout.flush()
    os._exit(0)
os.waitpid(pid, 0)
t("stat only2 in the parent", lambda: os.stat("only2", dir_fd=fd).st_size)
EOF2
PY
}

compare_kernel_union fd-closerange-in-fork-child setup action
un_done
