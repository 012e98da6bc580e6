#!/bin/bash
# truncate-dir: truncate of directories (lower, upper, merged, through a symlink): EISDIR, nothing copied up.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step '"$TESTPROG/sysop" truncate "$M/e1" 0 -- truncate "$M/d2" 0 -- truncate "$M/d2/deeper" 10 -- truncate "$M/du" 0 -- truncate "$M/d" 0 -- truncate "$M/link-d" 0 -- truncate "$M/d/" 0'
	step 'truncate -s 0 "$M/e2"; truncate -s 0 "$M/d2/deeper"'
	step 'st "$M/e1" "$M/d2" "$M/d2/deeper"; names "$M/d2"'
}

check() {
	local n
	for n in e1 e2 d2; do
		[ -e "$2/upper/$n" ] && fail "$1: upper/$n exists after a failed truncate"
	done
	return 0
}

compare_kernel_union truncate-dir setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union truncate-dir-nobody setup action check
un_done
