#!/bin/bash
# rename-dir-into-itself: rename of a directory into its own subtree (EINVAL) or over its ancestor (ENOTEMPTY), for upper, lower and merged directories.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step 'mkdir -p "$M/nd/sub"; "$TESTPROG/sysop" rename "$M/nd" "$M/nd/sub/x" -- rename "$M/nd" "$M/nd/x" -- rename "$M/nd/sub" "$M/nd" -- rename "$M/du" "$M/du/x"'
	step '"$TESTPROG/sysop" rename "$M/d" "$M/d/sub/x" -- rename "$M/d2" "$M/d2/deeper/x" -- rename "$M/e1" "$M/e1/x" -- rename "$M/d/sub" "$M/d" -- rename "$M/d2/deeper" "$M/d2"'
	step 'mv "$M/nd" "$M/nd/sub/"; mv "$M/e1" "$M/e1/"; find "$M/nd" "$M/e1" "$M/d2" | sort'
}

compare_kernel_union rename-dir-into-itself setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union rename-dir-into-itself-nobody setup action
un_done
