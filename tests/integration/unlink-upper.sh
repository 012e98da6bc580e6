#!/bin/bash
# unlink-upper: deleting names that only the upper holds leaves no whiteout.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_small_tree "$1"; }

action() {
	step 'rm "$M/fu"; names "$M"'
	step 'rm "$M/d/xu"; names "$M/d"'
	step 'rm "$M/du/in-du"; names "$M/du"; rmdir "$M/du"; names "$M"'
	step 'echo new > "$M/created"; rm "$M/created"; names "$M"; cat "$M/created"'
}

check() {
	local side=$1 d=$2 n
	for n in fu d/xu du created; do
		if [ -e "$d/upper/$n" ] || [ -L "$d/upper/$n" ]; then
			fail "$side: upper/$n is still there"
		fi
	done
}

compare_kernel_union unlink-upper setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union unlink-upper-nobody setup action check
un_done
