#!/bin/bash
# rename-whiteout-reuse: names deleted, then made again by rename, create and symlink, then deleted again.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_small_tree "$1"; }

action() {
	step 'rm "$M/f1"; mv "$M/fu" "$M/f1"; cat "$M/f1"; names "$M"'
	step 'rm "$M/f1"; cat "$M/f1"; names "$M"'
	step 'rm "$M/both"; echo recreated > "$M/both"; cat "$M/both"; rm "$M/both"; cat "$M/both"'
	step 'rm "$M/d/x2"; ln -s x1 "$M/d/x2"; cat "$M/d/x2"; rm "$M/d/x2"; names "$M/d"'
	step 'rm -r "$M/d2"; mv "$M/du" "$M/d2"; find "$M/d2" | sort; rm -r "$M/d2"; ls "$M/d2"'
	step 'mkdir "$M/d2"; touch "$M/d2/only2"; find "$M/d2" | sort'
}

check() { check_whiteout "$1" "$2" f1 both d/x2; }

compare_kernel_union rename-whiteout-reuse setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union rename-whiteout-reuse-nobody setup action check
un_done
