#!/bin/bash
# rmdir-noent: rmdir of absent and whited-out names, twice, and under missing parents: ENOENT.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step '"$TESTPROG/sysop" rmdir "$M/nope" -- rmdir "$M/nodir/x" -- rmdir "$M/d/nope" -- rmdir "$M/e1" -- rmdir "$M/e1" -- rmdir "$M/e1/x"'
	step 'rm -r "$M/d2"; "$TESTPROG/sysop" rmdir "$M/d2" -- rmdir "$M/d2/deeper" -- rmdir "$M/d2/"; rmdir "$M/d2"'
	step 'mkdir "$M/new"; "$TESTPROG/sysop" rmdir "$M/new" -- rmdir "$M/new"; rm -f "$M/f1"; rmdir "$M/f1"; names "$M"'
}

compare_kernel_union rmdir-noent setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union rmdir-noent-nobody setup action
un_done
