#!/bin/bash
# mkdir-over-upper-file: mkdir onto names the upper holds (files, directories, symlinks, dangling ones) and over merged names: EEXIST, nothing changed.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	make_small_tree "$1"
	mkl fu "$1/upper/ulink"
	mkl nowhere "$1/upper/udangling"
	mkd "$1/upper/e1"
}

action() {
	step '"$TESTPROG/sysop" mkdir "$M/fu" 755 -- mkdir "$M/du" 755 -- mkdir "$M/ulink" 755 -- mkdir "$M/udangling" 755 -- mkdir "$M/both" 755 -- mkdir "$M/d/xu" 755 -- mkdir "$M/e1" 700 -- mkdir "$M/d" 755'
	step 'mkdir "$M/fu"; mkdir -p "$M/fu"; mkdir -p "$M/du/in-du/x"; show "$M/fu" "$M/du" "$M/ulink" "$M/udangling"; st "$M/e1"; test -e "$M/nowhere" || echo "nowhere: not created"'
}

compare_kernel_union mkdir-over-upper-file setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union mkdir-over-upper-file-nobody setup action
un_done
