#!/bin/bash
# symlink-over-whiteout: symlinks made where lower files and directories were deleted: the link shows, nothing of the old object.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step 'rm "$M/f1"; ln -s f2 "$M/f1"; show "$M/f1"; cat "$M/f1"'
	step 'rm -r "$M/d2"; ln -s d "$M/d2"; show "$M/d2"; ls "$M/d2/"; test -e "$M/d2/only2" || echo "only2 stays hidden"'
	step 'rm "$M/both"; "$TESTPROG/sysop" symlink both-target "$M/both" -- lstat "$M/both" -- stat "$M/both"; readlink "$M/both"'
	step 'rm "$M/link-f1"; ln -s d "$M/link-f1"; ls "$M/link-f1/"; rm "$M/d2"; ls "$M/d2"; names "$M"'
}

compare_kernel_union symlink-over-whiteout setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union symlink-over-whiteout-nobody setup action
un_done
