#!/bin/bash
# open-append-lower: O_APPEND on a lower file: copied up whole, then appended to.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step 'echo more >> "$M/f1"; echo more >> "$M/f1"; show "$M/f1"'
	step 'echo tail >> "$M/d/sub/y2"; show "$M/d/sub/y2" "$M/d/sub" "$M/d"'
	step '"$TESTPROG/sysop" open "$M/f2" wronly,append -- read "$M/f2" -- stat "$M/f2"'
	step 'echo x >> "$M/ro"; cat "$M/ro"'
	step 'printf abc >> "$M/both"; cat "$M/both"; echo; printf def >> "$M/sp ace"; cat "$M/sp ace"'
	step 'echo y >> "$M/hl2"; show "$M/hl1" "$M/hl2"'
}

compare_kernel_union open-append-lower setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union open-append-lower-nobody setup action
un_done
