#!/bin/bash
# open-trunc-rdonly-lower: O_TRUNC with O_RDONLY on lower files: the file is copied up and truncated (EACCES on a 0444 file as 65534, EISDIR on a directory).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step '"$TESTPROG/sysop" open "$M/f1" rdonly,trunc -- stat "$M/f1" -- read "$M/f1"'
	step '"$TESTPROG/sysop" open "$M/d/x2" rdonly,trunc -- stat "$M/d/x2" -- stat "$M/d/x1"; show "$M/d"'
	step '"$TESTPROG/sysop" open "$M/ro" rdonly,trunc -- stat "$M/ro"'
	step '"$TESTPROG/sysop" open "$M/e1" rdonly,trunc -- open "$M/nope" rdonly,trunc -- open "$M/link-f1" rdonly,trunc -- stat "$M/f1" -- open "$M/exe" rdonly,trunc,append -- stat "$M/exe"'
	step 'cat "$M/f1" "$M/d/x2" "$M/exe"; echo end'
}

compare_kernel_union open-trunc-rdonly-lower setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union open-trunc-rdonly-lower-nobody setup action
un_done
