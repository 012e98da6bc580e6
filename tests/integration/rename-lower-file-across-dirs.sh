#!/bin/bash
# rename-lower-file-across-dirs: rename of lower files between lower-only directories: both parents copied up with their modes, the old name whited out.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	make_small_tree "$1"
	mkf "$1/lower1/src/deep/moved" 604 "moved from lower1"
	chmod 775 "$1/lower1/src/deep"
	chmod 705 "$1/lower1/src"
}

action() {
	step 'mv "$M/d/x2" "$M/d2/deeper/x2"; names "$M/d"; names "$M/d2/deeper"; st "$M/d2/deeper" "$M/d2" "$M/d2/deeper/x2"'
	step 'mv "$M/d2/only2" "$M/e2/only2"; names "$M/d2"; show "$M/e2/only2"; st "$M/e2"'
	step '"$TESTPROG/sysop" rename "$M/src/deep/moved" "$M/e1/moved" -- stat "$M/e1/moved" -- read "$M/e1/moved" -- stat "$M/src/deep/moved"; st "$M/src" "$M/src/deep"; names "$M/src/deep"'
	step '"$TESTPROG/sysop" rename "$M/e1/moved" "$M/src/deep/moved" -- read "$M/src/deep/moved"; names "$M/e1"'
}

check() { check_whiteout "$1" "$2" d/x2 d2/only2; }

compare_kernel_union rename-lower-file-across-dirs setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union rename-lower-file-across-dirs-nobody setup action check
un_done
