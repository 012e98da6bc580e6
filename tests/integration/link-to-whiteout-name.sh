#!/bin/bash
# link-to-whiteout-name: link onto names deleted from the lowers (a file, a directory, a name in three layers): the link shows, none of the old object.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step 'rm "$M/f1"; ln "$M/fu" "$M/f1"; show "$M/f1"; st "$M/fu"'
	step 'rm -r "$M/d2"; "$TESTPROG/sysop" link "$M/f2" "$M/d2" -- stat "$M/d2" -- stat "$M/f2"; show "$M/d2"; ls "$M/d2/"'
	step 'rm "$M/both"; ln "$M/d/x1" "$M/both"; show "$M/both"; rm "$M/d/x2"; ln "$M/both" "$M/d/x2"; show "$M/d/x2"'
	step 'rm "$M/f1"; show "$M/fu"; cat "$M/f1"; names "$M"'
}

compare_kernel_union link-to-whiteout-name setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union link-to-whiteout-name-nobody setup action
un_done
