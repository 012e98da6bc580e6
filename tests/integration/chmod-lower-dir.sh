#!/bin/bash
# chmod-lower-dir: chmod of lower and merged directories: copied up with the new mode, their lower contents still merged below.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	make_small_tree "$1"
	mkf "$1/lower1/d2/from1" 644 "d2/from1 from lower1"
}

action() {
	step 'chmod 700 "$M/d2"; st "$M/d2"; names "$M/d2"; cat "$M/d2/only2" "$M/d2/from1" "$M/d2/deeper/z"'
	step 'chmod 711 "$M/d"; st "$M/d"; names "$M/d"; names "$M/d/sub"'
	step 'chmod 1777 "$M/e2"; st "$M/e2"; touch "$M/e2/new"; names "$M/e2"'
	step 'chmod 750 "$M/d2/deeper"; st "$M/d2" "$M/d2/deeper"; names "$M/d2/deeper"'
	step '"$TESTPROG/sysop" chmod "$M/d" 755 -- chmod "$M/link-d" 700 -- stat "$M/d" -- rmdir "$M/d2"; names "$M/d"'
}

compare_kernel_union chmod-lower-dir setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union chmod-lower-dir-nobody setup action
un_done
