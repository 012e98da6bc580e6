#!/bin/bash
# open-trunc-lower: opening a lower file with O_TRUNC copies it up, empty.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step ': > "$M/f1"; show "$M/f1"'
	step 'echo replaced > "$M/d/x2"; show "$M/d/x2" "$M/d"'
	step '"$TESTPROG/sysop" open "$M/f2" wronly,trunc -- stat "$M/f2" -- open "$M/ro" wronly,trunc -- stat "$M/ro" -- open "$M/d" wronly,trunc'
	step 'echo new > "$M/hl1"; show "$M/hl1" "$M/hl2"'
	step 'echo via-link > "$M/link-f1"; show "$M/f1" "$M/link-f1"'
	step 'echo x > "$M/d"; echo y > "$M/nope/x"'
	step 'echo abs > "$M/abslink-f2"; cat "$M/f2"'
}

compare_kernel_union open-trunc-lower setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union open-trunc-lower-nobody setup action
un_done
