#!/bin/bash
# fd-dir-renamed-made-again: a directory descriptor, a cwd and a listing
# begun through a descriptor, all held on an upper-only directory A that
# ANOTHER process renames to B and then makes a NEW A (mv A B; mkdir A).
# The kernel's follow the old directory (now B): a create through the
# descriptor lands in B, its listing is B's, an fchdir to it and getcwd
# say B, a getdents begun before the rename goes on with B's names.  The
# path A now leads somewhere, to the wrong directory: only its inode
# tells (namei.c fd_dir_moved/cwd_renamed; fd-dir-renamed-by-other is
# the case where A leads nowhere).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

cat >"$T/held.py" <<'PY'
import os, subprocess, sys
M, how = sys.argv[1:3]
A = M + "/du"
fd = os.open(A, os.O_RDONLY | os.O_DIRECTORY)
if how == "cwd":
    os.chdir(A)
elif how == "scan":
    it = os.scandir(fd)          # a listing begun before the rename
    first = next(it).name
# B: another process renames A away and makes a new A, with a name in it
subprocess.run(["sh", "-c", 'mv "$1/du" "$1/dv" && mkdir "$1/du" && '
                'touch "$1/du/in-new"', "sh", M], check=True)
def create(name, dirfd=None):
    os.close(os.open(name, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=dirfd))
def fchdir():
    os.fchdir(fd)
    return os.getcwd()[len(M):]
if how == "fd":
    steps = (("stat", lambda: str(os.stat("in-du", dir_fd=fd).st_size)),
             ("create", lambda: create("by-fd", fd)),
             ("mkdir", lambda: os.mkdir("sub", dir_fd=fd)),
             ("list", lambda: " ".join(sorted(os.listdir(fd)))),
             ("fchdir", fchdir),
             ("create in cwd", lambda: create("by-cwd")),
             ("list cwd", lambda: " ".join(sorted(os.listdir(".")))))
elif how == "listfirst":
    # the listing is the first thing through the descriptor
    steps = (("list", lambda: " ".join(sorted(os.listdir(fd)))),
             ("create", lambda: create("by-fd", fd)))
elif how == "scan":
    steps = (("rest of listing",
              lambda: " ".join(sorted([first] + [e.name for e in it]))),)
else:
    steps = (("getcwd", lambda: os.getcwd()[len(M):]),
             ("create in cwd", lambda: create("by-cwd")),
             ("list cwd", lambda: " ".join(sorted(os.listdir(".")))),
             ("stat ..", lambda: str(os.stat("..").st_nlink)))
for name, f in steps:
    try:
        r = f()
        print(name + ": ok" + (" " + r if r else ""))
    except OSError as e:
        print(name + ": " + e.strerror)
PY

setup() {
	make_small_tree "$1"
	mkdir -p "$1/upper/du/deep"
	echo held >"$1/upper/du/in-du"
	for i in 1 2 3 4 5 6; do echo "$i" >"$1/upper/du/f$i"; done
}

action() {
	local how
	for how in fd listfirst scan cwd; do
		note "$how"
		step 'cd / && "$PYTHON" -B "$T/held.py" "$M" '"$how"'
			echo "dv:"; names "$M/dv"; echo "du:"; names "$M/du"
			rm -rf "$M/dv" "$M/du" && mkdir "$M/du" "$M/du/deep" &&
			echo held >"$M/du/in-du" &&
			for i in 1 2 3 4 5 6; do echo $i >"$M/du/f$i"; done'
	done
}

compare_kernel_union fd-dir-renamed-made-again setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union fd-dir-renamed-made-again-nobody setup action
un_done
