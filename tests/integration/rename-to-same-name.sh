#!/bin/bash
# rename-to-same-name: rename of a name onto itself (lower and upper files, directories, other spellings): success and nothing changes; RENAME_NOREPLACE gives EEXIST.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step '"$TESTPROG/sysop" rename "$M/f1" "$M/f1" -- rename "$M/fu" "$M/fu" -- rename "$M/d" "$M/d" -- rename "$M/e1" "$M/e1" -- rename "$M/d2" "$M/d2/" -- rename "$M/d/x2" "$M/d/../d/x2" -- rename "$M/link-f1" "$M/link-f1"'
	step '"$TESTPROG/sysop" renameat2 "$M/f1" "$M/f1" noreplace -- renameat2 "$M/e1" "$M/e1" noreplace -- renameat2 "$M/f1" "$M/f1" exchange -- rename "$M/nope" "$M/nope"'
	step 'mv "$M/f2" "$M/f2" 2>&1 | sed "s/^mv: //"; show "$M/f1" "$M/f2" "$M/d/x2" "$M/link-f1"; names "$M"; names "$M/d"'
}

compare_kernel_union rename-to-same-name setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union rename-to-same-name-nobody setup action
un_done
