#!/bin/bash
# chmod-symlink-target-lower: chmod through lower symlinks (relative, absolute, to directories, across lowers) changes the target; the link stays a link.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	make_small_tree "$1"
	mkl d2/only2 "$1/lower1/link-only2"
	mkl nowhere "$1/lower1/dangling"
}

action() {
	step 'chmod 600 "$M/link-f1"; st "$M/link-f1" "$M/f1"; readlink "$M/link-f1"'
	step 'chmod 640 "$M/abslink-f2"; st "$M/f2" "$M/abslink-f2"; cat "$M/abslink-f2"'
	step 'chmod 700 "$M/link-d"; st "$M/d" "$M/link-d"; names "$M/link-d"'
	step 'chmod 604 "$M/link-only2"; st "$M/d2/only2" "$M/d2"'
	step '"$TESTPROG/sysop" chmod "$M/dangling" 600 -- lstat "$M/dangling"; test -e "$M/nowhere" || echo "nowhere: not created"'
}

# The target is what gets copied up, as a file, not the link.
check() {
	[ -f "$2/upper/f1" ] && [ ! -L "$2/upper/f1" ] || fail "$1: upper/f1 is not a regular file"
	[ -f "$2/upper/d2/only2" ] || fail "$1: upper/d2/only2 is not a regular file"
}

compare_kernel_union chmod-symlink-target-lower setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union chmod-symlink-target-lower-nobody setup action check
un_done
