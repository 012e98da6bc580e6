#!/bin/bash
# lchown-symlink-lower: lchown of lower symlinks (also dangling ones) changes the link, not its target; chown follows and fails on a dangling link.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	make_small_tree "$1"
	mkl nowhere "$1/lower2/dangling"
}

action() {
	step '"$TESTPROG/sysop" lchown "$M/link-f1" 11 12; st "$M/link-f1" "$M/f1"; readlink "$M/link-f1"'
	step '"$TESTPROG/sysop" lchown "$M/dangling" 13 14 -- chown "$M/dangling" 15 16 -- lchown "$M/nope" 1 1; st "$M/dangling"'
	step '"$TESTPROG/sysop" lchown "$M/abslink-f2" 17 -1 -- lchown "$M/link-d" -1 18 -- lchown "$M/f2" 19 19; st "$M/abslink-f2" "$M/link-d" "$M/f2" "$M/d"'
	step 'chown -h 20:20 "$M/link-f1"; st "$M/link-f1" "$M/f1"; cat "$M/link-f1"'
}

compare_kernel_union lchown-symlink-lower setup action
un_done
