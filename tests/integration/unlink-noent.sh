#!/bin/bash
# unlink-noent: unlink of absent names, directories, through files.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step 'rm "$M/nope"; rm -f "$M/nope"; echo "rm -f: $?"'
	step '"$TESTPROG/sysop" unlink "$M/nope" -- unlink "$M/f1" -- unlink "$M/f1" -- unlink "$M/d" -- unlink "$M/e1" -- unlink "$M/nodir/x" -- unlink "$M/f2/x" -- unlink "$M/link-d/x1"'
	step 'rm "$M/d/"; rm "$M/d"; rm -d "$M/e1" && echo "rm -d e1: ok"'
	step 'ls "$M"; ls "$M/d"'
}

compare_kernel_union unlink-noent setup action
un_done
