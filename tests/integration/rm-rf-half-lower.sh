#!/bin/bash
# rm-rf-half-lower: rm -rf of trees that lie half in lowers, half in the upper.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	make_small_tree "$1"
	mkf "$1/lower2/tree/a/a1" 644 a1
	mkf "$1/lower2/tree/b/b1" 644 b1
	mkf "$1/lower2/tree/b/deep/er/b2" 644 b2
	mkf "$1/lower1/tree/a/a2" 644 a2
	mkf "$1/lower1/tree/top" 444 top
	mkf "$1/upper/tree/c/c1" 644 c1
	mkf "$1/upper/tree/a/a3" 644 a3
}

action() {
	step 'rm -rf "$M/tree"; names "$M"; ls "$M/tree"'
	step 'rm -rf "$M/d"; names "$M"'
	step 'rm -rf "$M/d2/deeper"; find "$M/d2" | sort'
	step 'rm -rfv "$M/du" | sort'
	step 'rm -r "$M"/*; ls -A "$M"'
	step 'mkdir "$M/tree"; find "$M" | sort'
}

check() { check_whiteout "$1" "$2" d d2 f1 f2; }

compare_kernel_union rm-rf-half-lower setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union rm-rf-half-lower-nobody setup action check
un_done
