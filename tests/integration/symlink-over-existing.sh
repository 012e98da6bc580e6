#!/bin/bash
# symlink-over-existing: symlink onto names that exist (lower and upper files and directories, symlinks, dangling ones): EEXIST, nothing changed.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	make_small_tree "$1"
	mkl nowhere "$1/lower2/dangling"
	mkl fu "$1/upper/ulink"
}

action() {
	step '"$TESTPROG/sysop" symlink t "$M/f1" -- symlink t "$M/fu" -- symlink t "$M/d" -- symlink t "$M/e1" -- symlink t "$M/link-f1" -- symlink t "$M/dangling" -- symlink t "$M/ulink" -- symlink t "$M/du" -- symlink t "$M/d/x2" -- symlink t "$M/d/" -- symlink t "$M/d2/deeper/"'
	step 'ln -s t "$M/f2"; ln -s t "$M/dangling"; show "$M/f1" "$M/dangling" "$M/ulink"; test -e "$M/t" || echo "t: not created"'
}

compare_kernel_union symlink-over-existing setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union symlink-over-existing-nobody setup action
un_done
