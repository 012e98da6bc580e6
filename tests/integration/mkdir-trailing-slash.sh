#!/bin/bash
# mkdir-trailing-slash: mkdir with trailing slashes: new names are made; existing files, directories and dangling symlinks give EEXIST.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	make_small_tree "$1"
	mkl nowhere "$1/lower2/dangling"
}

action() {
	step '"$TESTPROG/sysop" mkdir "$M/newd/" 750 -- mkdir "$M/newd2//" 700 -- mkdir "$M/d2/deeper/newd3/" 755 -- stat "$M/newd" -- stat "$M/newd2" -- stat "$M/d2/deeper/newd3"'
	step '"$TESTPROG/sysop" mkdir "$M/f1/" 755 -- mkdir "$M/d/" 755 -- mkdir "$M/e1/" 755 -- mkdir "$M/fu/" 755 -- mkdir "$M/dangling/" 755 -- mkdir "$M/link-d/" 755 -- mkdir "$M/nope/x/" 755'
	step 'mkdir "$M/newd4/"; st "$M/newd4" "$M/dangling"; test -e "$M/nowhere" || echo "nowhere: not created"; names "$M"'
}

compare_kernel_union mkdir-trailing-slash setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union mkdir-trailing-slash-nobody setup action
un_done
