#!/bin/bash
# rmdir-file: rmdir of files and symlinks (lower, upper, to directories, with a trailing slash): ENOTDIR, nothing removed.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step '"$TESTPROG/sysop" rmdir "$M/f1" -- rmdir "$M/fu" -- rmdir "$M/link-d" -- rmdir "$M/link-f1" -- rmdir "$M/f1/" -- rmdir "$M/ro" -- rmdir "$M/d/x2" -- rmdir "$M/f2/x" -- rmdir "$M/link-d/" -- rmdir "$M/link-f1/"'
	step 'rmdir "$M/both"; rmdir "$M/link-d/"; rm -d "$M/d/xu"; names "$M"; names "$M/d"'
}

compare_kernel_union rmdir-file setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union rmdir-file-nobody setup action
un_done
