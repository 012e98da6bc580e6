#!/bin/bash
# mkdir-exists-lower: mkdir of a name that a lower shows: EEXIST.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step 'mkdir "$M/d"; mkdir "$M/d2"; mkdir "$M/f1"; mkdir "$M/link-d"; mkdir "$M/du"; mkdir "$M/e1"'
	step '"$TESTPROG/sysop" mkdir "$M/d" 755 -- mkdir "$M/f1" 755 -- mkdir "$M/d/sub" 700 -- mkdir "$M/nope/x" 755 -- mkdir "$M/f1/x" 755 -- mkdir "$M/link-f1" 755'
	step 'mkdir -p "$M/d/sub" "$M/d2/deeper" && echo ok; names "$M/d"'
	step 'mkdir "$M/d/new"; show "$M/d/new" "$M/d"'
}

compare_kernel_union mkdir-exists-lower setup action
un_done
