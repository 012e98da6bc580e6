#!/bin/bash
# rm-rf-then-mkdir-same: rm -rf of a tree in three layers, then mkdir -p of the same paths: empty opaque directories, nothing of the old tree shows.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	make_small_tree "$1"
	mkf "$1/lower2/t/a/deep/l2" 644 l2
	mkf "$1/lower2/t/b" 644 b
	mkf "$1/lower1/t/a/l1" 644 l1
	mkd "$1/lower1/t/c"
	mkf "$1/upper/t/a/u" 644 u
}

action() {
	step 'rm -rf "$M/t"; names "$M"; ls "$M/t"'
	step 'mkdir -p "$M/t/a/deep" "$M/t/c"; find "$M/t" | sort; ls -la "$M/t/a" | awk "{print \$1, \$NF}"'
	step 'test -e "$M/t/b" || echo "b stays hidden"; test -e "$M/t/a/l1" || echo "l1 stays hidden"; test -e "$M/t/a/deep/l2" || echo "l2 stays hidden"'
	step 'rm -rf "$M/d"; mkdir "$M/d"; touch "$M/d/x1"; find "$M/d" | sort; st "$M/d/x1"'
}

check() { check_opaque "$1" "$2" t d; }

compare_kernel_union rm-rf-then-mkdir-same setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union rm-rf-then-mkdir-same-nobody setup action check
un_done
