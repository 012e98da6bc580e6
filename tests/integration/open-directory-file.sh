#!/bin/bash
# open-directory-file: O_DIRECTORY and trailing slashes on files and symlinks: ENOTDIR; O_DIRECTORY|O_CREAT: EINVAL.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	make_small_tree "$1"
	mkl nowhere "$1/lower2/dangling"
}

action() {
	step '"$TESTPROG/sysop" open "$M/f1" rdonly,directory -- open "$M/fu" rdonly,directory -- open "$M/both" rdonly,directory -- open "$M/link-f1" rdonly,directory -- open "$M/link-d" rdonly,directory -- open "$M/dangling" rdonly,directory -- open "$M/nope" rdonly,directory'
	step '"$TESTPROG/sysop" open "$M/f1/" rdonly -- open "$M/d/" rdonly -- open "$M/link-d/" rdonly -- open "$M/link-f1/" rdonly -- open "$M/d/x1/" rdonly -- open "$M/d/x1/." rdonly'
	step '"$TESTPROG/sysop" open "$M/newdir" rdonly,directory,creat -- open "$M/d" rdonly,directory,creat -- open "$M/f1" rdwr,directory'
	step 'names "$M"; st "$M/f1"'
}

compare_kernel_union open-directory-file setup action
un_done
