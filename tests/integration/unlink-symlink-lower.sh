#!/bin/bash
# unlink-symlink-lower: unlink of lower symlinks (relative, absolute, to a directory, dangling) removes the links, never their targets.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	make_small_tree "$1"
	mkl nowhere "$1/lower2/dangling"
	mkl ../f2 "$1/lower2/d2/up-link"
}

action() {
	step 'rm "$M/link-f1"; show "$M/f1"; ls "$M/link-f1"'
	step 'rm "$M/abslink-f2" "$M/d2/up-link"; show "$M/f2"; names "$M/d2"'
	step '"$TESTPROG/sysop" unlink "$M/link-d" -- stat "$M/d" -- unlink "$M/dangling" -- unlink "$M/dangling"; names "$M/d"'
	step 'names "$M"'
}

check() {
	check_whiteout "$1" "$2" link-f1 abslink-f2 d2/up-link link-d dangling
	local n
	for n in f1 f2 nowhere; do
		[ -e "$2/upper/$n" ] && fail "$1: upper/$n exists: a link's target was touched"
	done
	return 0
}

compare_kernel_union unlink-symlink-lower setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union unlink-symlink-lower-nobody setup action check
un_done
