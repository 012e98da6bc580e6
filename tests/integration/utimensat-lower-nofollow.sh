#!/bin/bash
# utimensat-lower-nofollow: utimensat(AT_SYMLINK_NOFOLLOW) on lower symlinks (also dangling and absolute ones) sets the link's times, not the target's.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	make_small_tree "$1"
	mkl nowhere "$1/lower2/dangling"
}

action() {
	step '"$TESTPROG/sysop" lutimens "$M/link-f1" 1000000000 5; stat -c "%n %F %y" "$M/link-f1" "$M/f1"'
	step '"$TESTPROG/sysop" lutimens "$M/dangling" 1100000000 0 -- utimens "$M/dangling" 1100000000 0 -- lutimens "$M/nope" 1 0; stat -c "%n %F %y" "$M/dangling"'
	step '"$TESTPROG/sysop" lutimens "$M/abslink-f2" 1200000000 999999999 -- lutimens "$M/link-d" 1300000000 0; stat -c "%n %F %y" "$M/abslink-f2" "$M/f2" "$M/link-d" "$M/d"'
	step '"$TESTPROG/sysop" lutimens "$M/d/x2" 1400000000 7 -- lutimens "$M/e1" 1500000000 0; stat -c "%n %F %y" "$M/d/x2" "$M/e1"; readlink "$M/link-f1" "$M/dangling"'
}

# The targets of the links are not copied up.
check() {
	local n
	for n in f1 f2 nowhere; do
		[ -e "$2/upper/$n" ] && fail "$1: upper/$n exists: a link's target was copied up"
	done
	[ -L "$2/upper/link-f1" ] || fail "$1: upper/link-f1 is not a symlink"
}

compare_kernel_union utimensat-lower-nofollow setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union utimensat-lower-nofollow-nobody setup action check
un_done
