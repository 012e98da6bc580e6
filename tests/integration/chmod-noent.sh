#!/bin/bash
# chmod-noent: chmod of absent, whited-out and unreachable names and dangling symlinks: ENOENT, ENOTDIR.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	make_small_tree "$1"
	mkl nowhere "$1/lower2/dangling"
}

action() {
	step '"$TESTPROG/sysop" chmod "$M/nope" 600 -- chmod "$M/nodir/x" 600 -- chmod "$M/f2/x" 600 -- chmod "$M/dangling" 600 -- chmod "$M/d/nope" 600 -- chmod "$M/link-d/nope" 600'
	step 'rm "$M/f1"; rm -r "$M/d2"; "$TESTPROG/sysop" chmod "$M/f1" 600 -- chmod "$M/d2" 700 -- chmod "$M/d2/deeper" 700 -- chmod "$M/link-f1" 600'
	step 'chmod 600 "$M/nope"; chmod -c 600 "$M/f1"; names "$M"'
}

compare_kernel_union chmod-noent setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union chmod-noent-nobody setup action
un_done
