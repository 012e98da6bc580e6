#!/bin/bash
# rename-lower-file: rename of lower files: copied up, the old name whited out.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step 'mv "$M/f1" "$M/f1-renamed"; names "$M"; cat "$M/f1-renamed"; cat "$M/f1"'
	step 'mv "$M/d/x2" "$M/d/sub/x2-moved"; names "$M/d"; names "$M/d/sub"'
	step 'mv "$M/f2" "$M/d2/deeper/f2"; show "$M/d2/deeper/f2"; names "$M"'
	step '"$TESTPROG/sysop" rename "$M/exe" "$M/exe2" -- stat "$M/exe2" -- stat "$M/exe"'
	step '"$TESTPROG/sysop" rename "$M/link-f1" "$M/link-moved"; readlink "$M/link-moved"; cat "$M/link-moved"'
	step '"$TESTPROG/sysop" rename "$M/hl1" "$M/hl1-moved" -- stat "$M/hl1-moved" -- stat "$M/hl2"'
	step '"$TESTPROG/sysop" rename "$M/nope" "$M/x" -- rename "$M/both" "$M/nope/x" -- rename "$M/both" "$M/both"'
}

check() { check_whiteout "$1" "$2" f1 d/x2 f2 exe link-f1 hl1; }

compare_kernel_union rename-lower-file setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union rename-lower-file-nobody setup action check
un_done
