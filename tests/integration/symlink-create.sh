#!/bin/bash
# symlink-create: symlinks made in the merged view: relative, absolute, over whiteouts, through dangling links.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step 'ln -s f1 "$M/s1"; ln -s "$M/d/x1" "$M/s2"; ln -s nowhere "$M/s3"; show "$M/s1" "$M/s2" "$M/s3"; cat "$M/s1" "$M/s2"'
	step '"$TESTPROG/sysop" symlink x "$M/f1" -- symlink x "$M/d" -- symlink x "$M/nope/x"'
	step 'ln -sf f2 "$M/f1"; show "$M/f1"; cat "$M/f1"'
	step 'ln -sfn d2 "$M/link-d"; readlink "$M/link-d"; ls "$M/link-d/"'
	step 'ln -s target-new "$M/dl"; echo through > "$M/dl"; show "$M/target-new" "$M/dl"'
	step 'ln -s "$M/d2" "$M/abs-d2"; ls "$M/abs-d2/"; cd "$M/abs-d2" && pwd -P'
}

compare_kernel_union symlink-create setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union symlink-create-nobody setup action
un_done
