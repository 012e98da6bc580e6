#!/bin/bash
# truncate-noent: truncate of absent, whited-out and unreachable names (ENOENT, ENOTDIR), negative lengths (EINVAL, no copy-up).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	make_small_tree "$1"
	mkl nowhere "$1/lower1/dangling"
}

action() {
	step '"$TESTPROG/sysop" truncate "$M/nope" 0 -- truncate "$M/nodir/x" 0 -- truncate "$M/f2/x" 0 -- truncate "$M/dangling" 0 -- truncate "$M/link-d/nope" 0'
	step 'rm "$M/f1" "$M/d/x2"; "$TESTPROG/sysop" truncate "$M/f1" 0 -- truncate "$M/d/x2" 5 -- truncate "$M/link-f1" 0'
	step '"$TESTPROG/sysop" truncate "$M/f2" -1 -- truncate "$M/fu" -1 -- truncate "$M/nope" -1 -- stat "$M/f2" -- stat "$M/fu"'
	step 'truncate -c -s 0 "$M/nope2"; echo "truncate -c: $?"; names "$M"'
}

check() {
	local n
	for n in f2 nope nope2 nowhere; do
		[ -e "$2/upper/$n" ] && fail "$1: upper/$n exists after a failed truncate"
	done
	return 0
}

compare_kernel_union truncate-noent setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union truncate-noent-nobody setup action check
un_done
