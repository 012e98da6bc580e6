#!/bin/bash
# symlink-dangling-create: dangling symlinks made in the view: O_CREAT through them makes the target (in lower-only directories too), O_EXCL gives EEXIST.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step 'ln -s newtarget "$M/dl"; show "$M/dl"; "$TESTPROG/sysop" stat "$M/dl" -- open "$M/dl" wronly,creat,excl -- open "$M/dl" rdonly -- open "$M/dl" wronly,creat 0600 -- stat "$M/dl"; show "$M/newtarget"'
	step 'ln -s "$M/d2/newabs" "$M/dl2"; echo via-abs > "$M/dl2"; show "$M/d2/newabs" "$M/d2"'
	step 'ln -s ../d2/deeper/rel "$M/d/dl3"; echo via-rel > "$M/d/dl3"; show "$M/d2/deeper/rel"'
	step 'ln -s nodir/x "$M/dl4"; echo x > "$M/dl4"; ln -s f1/x "$M/dl5"; echo x > "$M/dl5"; mkdir "$M/dl"; names "$M"'
}

compare_kernel_union symlink-dangling-create setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union symlink-dangling-create-nobody setup action
un_done
