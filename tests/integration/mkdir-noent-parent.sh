#!/bin/bash
# mkdir-noent-parent: mkdir under missing or whited-out parents and through dangling symlinks: ENOENT; ENOTDIR under files; nothing made.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	make_small_tree "$1"
	mkl nowhere "$1/lower1/dangling"
}

action() {
	step '"$TESTPROG/sysop" mkdir "$M/nodir/x" 755 -- mkdir "$M/nodir/x/y" 755 -- mkdir "$M/dangling/x" 755 -- mkdir "$M/dangling" 755 -- mkdir "$M/f1/x" 755 -- mkdir "$M/d/nope/x" 755'
	step 'rm -r "$M/d2"; "$TESTPROG/sysop" mkdir "$M/d2/deeper" 755 -- mkdir "$M/d2/new" 755; rm "$M/link-d"; "$TESTPROG/sysop" mkdir "$M/link-d/x" 755'
	step 'mkdir "$M/nodir/x"; mkdir -p "$M/dangling/x"; names "$M"; ls "$M/d2"'
}

compare_kernel_union mkdir-noent-parent setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union mkdir-noent-parent-nobody setup action
un_done
