#!/bin/bash
# unlink-lower: deleting names that lowers hold: gone from the view, recorded as whiteouts.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_small_tree "$1"; }

action() {
	step 'rm "$M/f1"; ls "$M"; cat "$M/f1"; stat "$M/f1"'
	step 'rm "$M/d/x2"; names "$M/d"'
	step 'rm "$M/both"; cat "$M/both"'
	step 'rm "$M/hl1"; show "$M/hl2"'
	step 'rm "$M/link-f1"; ls "$M"'
	step 'rm "$M/sp ace"; names "$M"; rm "$M/d/sub/y2"; names "$M/d/sub"'
	step 'rm "$M/f1"; rm "$M/d/x2"'
}

check() {
	check_whiteout "$1" "$2" f1 d/x2 both hl1 link-f1 "sp ace" d/sub/y2
}

compare_kernel_union unlink-lower setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union unlink-lower-nobody setup action check
un_done
