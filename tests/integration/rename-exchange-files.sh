#!/bin/bash
# rename-exchange-files: renameat2 RENAME_EXCHANGE of lower files (two lowers, lower and upper, across directories, a file and a symlink); with a missing name ENOENT; of lower directories.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step '"$TESTPROG/sysop" renameat2 "$M/f1" "$M/f2" exchange -- read "$M/f1" -- read "$M/f2"; st "$M/f1" "$M/f2"'
	step '"$TESTPROG/sysop" renameat2 "$M/exe" "$M/fu" exchange -- stat "$M/exe" -- stat "$M/fu" -- read "$M/exe"'
	step '"$TESTPROG/sysop" renameat2 "$M/d/x2" "$M/d2/only2" exchange -- read "$M/d/x2" -- read "$M/d2/only2" -- renameat2 "$M/both" "$M/link-f1" exchange -- lstat "$M/both" -- read "$M/link-f1"'
	step '"$TESTPROG/sysop" renameat2 "$M/f1" "$M/nope" exchange -- renameat2 "$M/nope" "$M/f1" exchange -- renameat2 "$M/e1" "$M/e2" exchange -- renameat2 "$M/du" "$M/e1" exchange -- renameat2 "$M/f1" "$M/e2" exchange'
	step 'names "$M"; names "$M/e1"; names "$M/e2"; names "$M/du"'
}

compare_kernel_union rename-exchange-files setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union rename-exchange-files-nobody setup action
un_done
