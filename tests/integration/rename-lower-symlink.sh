#!/bin/bash
# rename-lower-symlink: rename of lower symlinks: the link is copied up as a link (same target text, which now resolves from its new place); targets untouched.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	make_small_tree "$1"
	mkl nowhere "$1/lower2/dangling"
}

action() {
	step 'mv "$M/link-f1" "$M/l2"; show "$M/l2"; cat "$M/l2"; names "$M"'
	step 'mv "$M/link-d" "$M/d2/ld"; readlink "$M/d2/ld"; ls "$M/d2/ld" 2>&1 | sed "s/^ls: //"; st "$M/d"'
	step '"$TESTPROG/sysop" rename "$M/abslink-f2" "$M/d/abs" -- lstat "$M/d/abs" -- read "$M/d/abs" -- rename "$M/dangling" "$M/e1/dl" -- lstat "$M/e1/dl"; readlink "$M/e1/dl"'
	step 'show "$M/f1" "$M/f2"; names "$M"'
}

check() {
	check_whiteout "$1" "$2" link-f1 link-d abslink-f2 dangling
	[ -L "$2/upper/l2" ] || fail "$1: upper/l2 is not a symlink"
	local n
	for n in f1 f2; do
		[ -e "$2/upper/$n" ] && fail "$1: upper/$n exists: a link's target was copied up"
	done
	return 0
}

compare_kernel_union rename-lower-symlink setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union rename-lower-symlink-nobody setup action check
un_done
