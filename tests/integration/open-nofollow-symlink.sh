#!/bin/bash
# open-nofollow-symlink: O_NOFOLLOW on lower symlinks: ELOOP, the target is not copied up; O_PATH|O_NOFOLLOW and symlinks in earlier components work.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	make_small_tree "$1"
	mkl nowhere "$1/lower2/dangling"
}

action() {
	step '"$TESTPROG/sysop" open "$M/link-f1" rdonly,nofollow -- open "$M/link-f1" wronly,nofollow -- open "$M/link-f1" rdwr,trunc,nofollow -- open "$M/abslink-f2" wronly,nofollow -- open "$M/link-d" rdonly,nofollow,directory -- open "$M/dangling" wronly,creat,nofollow'
	step '"$TESTPROG/sysop" open "$M/link-f1" path,nofollow -- open "$M/link-d/x1" wronly,nofollow -- open "$M/fu" wronly,nofollow -- open "$M/link-d/" rdonly,nofollow'
	step 'show "$M/f1" "$M/f2" "$M/link-f1"; test -e "$M/nowhere" || echo "nowhere: not created"; st "$M/d/x1"'
}

# The failed opens must not copy up the targets of the links.
check() {
	local n
	for n in f1 f2 nowhere; do
		[ -e "$2/upper/$n" ] && fail "$1: upper/$n exists after an O_NOFOLLOW open failed"
	done
	return 0
}

compare_kernel_union open-nofollow-symlink setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union open-nofollow-symlink-nobody setup action check
un_done
