#!/bin/bash
# open-creat-over-whiteout: O_CREAT without O_EXCL on names deleted from lowers: a new empty file, none of the lower data.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step 'rm "$M/f1"; "$TESTPROG/sysop" open "$M/f1" wronly,creat 0600 -- stat "$M/f1" -- read "$M/f1"'
	step 'rm "$M/d/x2"; "$TESTPROG/sysop" open "$M/d/x2" rdwr,creat 0640 -- stat "$M/d/x2"; echo new > "$M/d/x2"; show "$M/d"'
	step 'rm "$M/both"; "$TESTPROG/sysop" open "$M/both" rdonly,creat 0604 -- stat "$M/both"; cat "$M/both"; echo end'
	step 'rm "$M/exe"; "$TESTPROG/sysop" open "$M/exe" wronly,creat,append 0700 -- stat "$M/exe"; rm "$M/link-f1"; "$TESTPROG/sysop" open "$M/link-f1" wronly,creat -- lstat "$M/link-f1"'
	step 'names "$M"'
}

# No whiteout stays under a name made again.
check() {
	local n
	if [ "$1" = union ]; then
		for n in f1 d/x2 both exe link-f1; do
			whiteout_records "$2" | grep -qxF "w $n" &&
				fail "union: a whiteout record of $n is left"
		done
	fi
	for n in f1 d/x2 both exe link-f1; do
		[ -f "$2/upper/$n" ] || fail "$1: upper/$n is not a regular file"
	done
}

compare_kernel_union open-creat-over-whiteout setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union open-creat-over-whiteout-nobody setup action check
un_done
