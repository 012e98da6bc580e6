#!/bin/bash
# rmdir-dot: rmdir of . and .. paths in merged directories (EINVAL, ENOTEMPTY), from inside, and of the merged root itself (EBUSY).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step '"$TESTPROG/sysop" rmdir "$M/e1/." -- rmdir "$M/d/." -- rmdir "$M/d/sub/." -- rmdir "$M/e1/.." -- rmdir "$M/d/sub/.." -- rmdir "$M/du/.." -- rmdir "$M/nope/."'
	step 'cd "$M/e1" && rmdir . ; cd "$M/e2" && "$TESTPROG/sysop" rmdir . -- rmdir ../e2 -- rmdir "$M/e2"; pwd; ls "$M/e2"'
	step 'names "$M"; names "$M/d"'
	step '"$TESTPROG/sysop" rmdir "$M" -- rmdir "$M/" ; names "$M"'
}

compare_kernel_union rmdir-dot setup action
un_done
