#!/bin/bash
# fd-dir-renamed-by-other: a directory descriptor held on an upper-only
# directory that ANOTHER process (a child mv) renames, or whose parent
# it renames, goes on naming the directory, as the kernel's does: a
# create, a stat, a listing through it and an fchdir into it work where
# the directory went (namei.c fd_dir_moved; before: ENOENT, an empty
# listing, the descriptor taken for removed).  The cwd's side is
# integration/cwd-renamed-by-child.  Known limit: a listing through the
# descriptor before any lookup through it still reads the old path
# (docs/STATUS.md, What remains): not played here.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

cat >"$T/held.py" <<'PY'
import os, subprocess, sys
M, hold, mv_from, mv_to = sys.argv[1:5]
fd = os.open(M + "/" + hold, os.O_RDONLY | os.O_DIRECTORY)
subprocess.run(["mv", M + "/" + mv_from, M + "/" + mv_to], check=True)
def create(name):
    os.close(os.open(name, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
def fchdir():
    os.fchdir(fd)
    open("by-cwd", "w").close()
    return os.getcwd()[len(M):]
for name, f in (("create", lambda: create("by-fd")),
                ("stat", lambda: str(os.stat("in-du", dir_fd=fd).st_size)),
                ("list", lambda: " ".join(sorted(os.listdir(fd)))),
                ("mkdir", lambda: os.mkdir("sub", dir_fd=fd)),
                ("fchdir", fchdir),
                ("list cwd", lambda: " ".join(sorted(os.listdir("."))))):
    try:
        r = f()
        print(name + ": ok" + (" " + r if r else ""))
    except OSError as e:
        print(name + ": " + e.strerror)
PY

setup() { make_small_tree "$1"; mkdir -p "$1/upper/du/deep"; }

action() {
	# the held directory itself renamed
	step 'cd / && "$PYTHON" -B "$T/held.py" "$M" du du du2; names "$M/du2"'
	# its parent renamed, into a merged directory's upper copy
	step 'cd / && "$PYTHON" -B "$T/held.py" "$M" du2/deep du2 d/du3; names "$M/d/du3"'
}

compare_kernel_union fd-dir-renamed-by-other setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union fd-dir-renamed-by-other-nobody setup action
un_done
