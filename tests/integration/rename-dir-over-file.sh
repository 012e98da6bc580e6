#!/bin/bash
# rename-dir-over-file: rename of directories (upper, lower, merged) over files and symlinks: ENOTDIR; nothing changed.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step '"$TESTPROG/sysop" rename "$M/du" "$M/f1" -- rename "$M/du" "$M/fu" -- rename "$M/e1" "$M/f2" -- rename "$M/d" "$M/both" -- rename "$M/d2" "$M/link-d" -- rename "$M/du" "$M/link-f1" -- rename "$M/e1" "$M/d/x2"'
	step 'mkdir "$M/nd"; "$TESTPROG/sysop" rename "$M/nd" "$M/f1" -- rename "$M/nd" "$M/fu/" -- rename "$M/nd/" "$M/newname"; names "$M"'
	step 'mv -T "$M/du" "$M/f1"; show "$M/f1" "$M/fu" "$M/du"'
}

compare_kernel_union rename-dir-over-file setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union rename-dir-over-file-nobody setup action
un_done
