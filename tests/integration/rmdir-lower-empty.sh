#!/bin/bash
# rmdir-lower-empty: rmdir of empty lower directories, and making them again.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step 'rmdir "$M/e1"; names "$M"; stat -c %n "$M/e1"'
	step 'rmdir "$M/e2"; names "$M"'
	step 'rmdir "$M/e1"'
	step 'mkdir "$M/e1"; show "$M/e1"; touch "$M/e1/t"; names "$M/e1"'
	step '"$TESTPROG/sysop" rmdir "$M/d2/deeper" -- rmdir "$M/link-d" -- rmdir "$M/e2"'
}

check() {
	check_whiteout "$1" "$2" e2
	check_opaque "$1" "$2" e1
}

compare_kernel_union rmdir-lower-empty setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union rmdir-lower-empty-nobody setup action check
un_done
