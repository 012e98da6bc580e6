#!/bin/bash
# link-lower: hard links to lower files: the source is copied up first.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_small_tree "$1"; }

action() {
	step 'ln "$M/f1" "$M/f1-link"; st "$M/f1" "$M/f1-link"; echo more >> "$M/f1-link"; cat "$M/f1"'
	step 'ln "$M/d/x2" "$M/x2-link"; st "$M/d/x2" "$M/x2-link"'
	step 'ln "$M/hl1" "$M/hl3"; st "$M/hl1" "$M/hl2" "$M/hl3"'
	step 'ln "$M/fu" "$M/d/fu-link"; st "$M/fu" "$M/d/fu-link"'
	step 'ln "$M/f2" "$M/f1"; ln "$M/d" "$M/dlink"; ln "$M/nope" "$M/x"; ln "$M/f2" "$M/nope/x"'
	step '[ "$(stat -c %i "$M/f1")" = "$(stat -c %i "$M/f1-link")" ] && echo "f1: one inode" || echo "f1: two inodes"'
}

compare_kernel_union link-lower setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union link-lower-nobody setup action
un_done
