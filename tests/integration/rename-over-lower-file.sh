#!/bin/bash
# rename-over-lower-file: rename onto names that lowers hold.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step 'mv "$M/fu" "$M/f1"; cat "$M/f1"; names "$M"'
	step 'mv "$M/f2" "$M/both"; cat "$M/both"; names "$M"'
	step '"$TESTPROG/sysop" rename "$M/d/x1" "$M/d/x2" -- read "$M/d/x2" -- read "$M/d/x1"'
	step '"$TESTPROG/sysop" rename "$M/exe" "$M/d" -- rename "$M/e1" "$M/f1" -- rename "$M/f1" "$M/f1"'
	step '"$TESTPROG/sysop" rename "$M/hl1" "$M/hl2"; names "$M"; show "$M/hl2"'
	step 'mv "$M/sp ace" "$M/link-f1"; show "$M/link-f1"; cat "$M/f1"'
}

check() { check_whiteout "$1" "$2" f2 d/x1; }

compare_kernel_union rename-over-lower-file setup action check
un_done
