#!/bin/bash
# rmdir-merged-notempty: rmdir of directories that still show names: ENOTEMPTY; of non-directories: ENOTDIR.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step 'rmdir "$M/d"; rmdir "$M/du"; rmdir "$M/d2"; rmdir "$M/d2/deeper"'
	step 'rmdir "$M/f1"; rmdir "$M/link-d"; rm -d "$M/d"'
	step '"$TESTPROG/sysop" rmdir "$M/d" -- rmdir "$M/d/" -- rmdir "$M/nope" -- rmdir "$M/d/sub" -- rmdir "$M/."'
	step 'find "$M" -type d | sort'
}

compare_kernel_union rmdir-merged-notempty setup action
un_done
