#!/bin/bash
# fd-dir-removed-made-again: a directory descriptor held on an upper-only
# directory A that ANOTHER process removes and makes again (rm -rf A;
# mkdir A).  The kernel's descriptor holds the removed directory: a
# create or mkdir through it ENOENT.  The library's record holds the
# merged path, which leads to the NEW A: the create and the mkdir landed
# there.  Now rmdir raises the union's count of moves too (dir.c), and
# a descriptor whose count is old finds its directory deleted (namei.c
# fd_dir_moved: dead, alone; the descriptors on the new A live).  (A cwd
# there was right already: cwd_check sees its real cwd deleted.)
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

cat >"$T/held.py" <<'PY'
import os, subprocess, sys
M = sys.argv[1]
fd = os.open(M + "/du", os.O_RDONLY | os.O_DIRECTORY)
subprocess.run(["sh", "-c", 'rm -rf "$1/du" && mkdir "$1/du" && '
                'touch "$1/du/in-new"', "sh", M], check=True)
def create(name, dirfd=None):
    os.close(os.open(name, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=dirfd))
for name, f in (("stat", lambda: str(os.stat("in-du", dir_fd=fd).st_size)),
                ("create", lambda: create("by-fd", fd)),
                ("mkdir", lambda: os.mkdir("sub", dir_fd=fd)),
                ("list", lambda: " ".join(sorted(os.listdir(fd))))):
    try:
        r = f()
        print(name + ": ok" + (" " + r if r else ""))
    except OSError as e:
        print(name + ": " + e.strerror)
PY

setup() {
	make_small_tree "$1"
	echo held >"$1/upper/du/in-du"
}

action() {
	step 'cd / && "$PYTHON" -B "$T/held.py" "$M"; names "$M/du"'
}

compare_kernel_union fd-dir-removed-made-again setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union fd-dir-removed-made-again-nobody setup action
un_done
