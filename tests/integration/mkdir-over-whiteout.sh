#!/bin/bash
# mkdir-over-whiteout: a directory made where a lower one was deleted is opaque: the old contents stay hidden.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_small_tree "$1"; }

action() {
	step 'rm -r "$M/d"; names "$M"'
	step 'mkdir "$M/d"; show "$M/d"; ls -a "$M/d"'
	step 'echo x > "$M/d/x1"; show "$M/d"; cat "$M/d/x1"'
	step 'test -e "$M/d/x2" || echo "x2 stays hidden"; test -e "$M/d/sub/y2" || echo "sub stays hidden"; mkdir "$M/d/sub"; ls -a "$M/d/sub"'
	step 'rm "$M/f1"; mkdir "$M/f1"; show "$M/f1"'
	step 'rmdir "$M/e1"; mkdir -m 700 "$M/e1"; st "$M/e1"'
	step 'find "$M" | sort'
}

check() {
	check_opaque "$1" "$2" d f1
	if [ "$1" = union ] && [ -e "$2/upper/d/x2" ]; then
		fail "union: upper/d/x2 exists"
	fi
}

compare_kernel_union mkdir-over-whiteout setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union mkdir-over-whiteout-nobody setup action check
un_done
