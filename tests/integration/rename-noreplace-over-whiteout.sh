#!/bin/bash
# rename-noreplace-over-whiteout: renameat2 RENAME_NOREPLACE onto names deleted from the lowers (files, a directory): allowed; EEXIST only for visible names.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step 'rm "$M/f1"; "$TESTPROG/sysop" renameat2 "$M/fu" "$M/f1" noreplace -- read "$M/f1" -- stat "$M/fu"'
	step 'rm "$M/d/x2"; "$TESTPROG/sysop" renameat2 "$M/f2" "$M/d/x2" noreplace -- read "$M/d/x2" -- renameat2 "$M/d/x1" "$M/d/x2" noreplace'
	step 'rm -r "$M/e1"; "$TESTPROG/sysop" renameat2 "$M/du" "$M/e1" noreplace -- stat "$M/e1"; find "$M/e1" | sort'
	step 'rm "$M/both"; mkdir "$M/nd"; "$TESTPROG/sysop" renameat2 "$M/nd" "$M/both" noreplace -- renameat2 "$M/exe" "$M/both" noreplace; names "$M"'
}

compare_kernel_union rename-noreplace-over-whiteout setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union rename-noreplace-over-whiteout-nobody setup action
un_done
