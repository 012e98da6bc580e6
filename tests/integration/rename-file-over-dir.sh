#!/bin/bash
# rename-file-over-dir: rename of files over directories (lower, upper, merged, empty or not): EISDIR; nothing changed.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step '"$TESTPROG/sysop" rename "$M/f1" "$M/d" -- rename "$M/fu" "$M/e1" -- rename "$M/f2" "$M/du" -- rename "$M/d/x2" "$M/d/sub" -- rename "$M/fu" "$M/d2/deeper" -- rename "$M/link-f1" "$M/e2"'
	step '"$TESTPROG/sysop" renameat2 "$M/f1" "$M/e1" noreplace -- renameat2 "$M/f1" "$M/e1" 0 -- rename "$M/f1" "$M/link-d/"'
	step 'mv -T "$M/f1" "$M/e1"; show "$M/f1" "$M/e1" "$M/fu"; names "$M"'
}

compare_kernel_union rename-file-over-dir setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union rename-file-over-dir-nobody setup action
un_done
