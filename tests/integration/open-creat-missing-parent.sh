#!/bin/bash
# open-creat-missing-parent: O_CREAT under a missing parent, a whited-out directory or a dangling symlink: ENOENT, nothing made.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	make_small_tree "$1"
	mkl nowhere "$1/lower1/dangling"
}

action() {
	step '"$TESTPROG/sysop" open "$M/nodir/x" wronly,creat -- open "$M/nodir/sub/x" wronly,creat,excl -- open "$M/dangling/x" wronly,creat -- open "$M/d/nope/x" rdwr,creat'
	step 'rm -r "$M/d2"; "$TESTPROG/sysop" open "$M/d2/only2" wronly,creat -- open "$M/d2/new" wronly,creat -- open "$M/d2/deeper/z" wronly,creat,trunc'
	step 'echo x > "$M/d2/shell"; echo y > "$M/nodir/shell"; names "$M"; ls "$M/d2"'
}

# (upper/d2 is the kernel's whiteout of d2: only a directory there is wrong)
check() {
	local n
	for n in nodir nowhere; do
		[ -e "$2/upper/$n" ] && fail "$1: upper/$n exists"
	done
	[ -d "$2/upper/d2" ] && fail "$1: upper/d2 is a directory"
	return 0
}

compare_kernel_union open-creat-missing-parent setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union open-creat-missing-parent-nobody setup action check
un_done
