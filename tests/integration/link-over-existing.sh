#!/bin/bash
# link-over-existing: link onto names that exist (lower and upper files, directories, symlinks, dangling ones): EEXIST, the target untouched.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	make_small_tree "$1"
	mkl nowhere "$1/lower2/dangling"
}

action() {
	step '"$TESTPROG/sysop" link "$M/fu" "$M/f1" -- link "$M/f1" "$M/both" -- link "$M/f2" "$M/d" -- link "$M/fu" "$M/dangling" -- link "$M/f1" "$M/fu" -- link "$M/f1" "$M/link-f1" -- link "$M/f1" "$M/d/x2" -- link "$M/f1" "$M/f1"'
	step 'show "$M/f1" "$M/both" "$M/fu" "$M/d/x2" "$M/dangling"'
	step 'ln "$M/f2" "$M/e1"; ls "$M/e1"; ln "$M/f2" "$M/hl1"; st "$M/f2" "$M/hl1"'
}

compare_kernel_union link-over-existing setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union link-over-existing-nobody setup action
un_done
