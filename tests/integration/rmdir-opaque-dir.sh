#!/bin/bash
# rmdir-opaque-dir: rmdir of an opaque directory (made where a lower one was deleted): it goes, the lower one stays hidden; made again, opaque again.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step 'rm -r "$M/d"; mkdir "$M/d"; touch "$M/d/n"; names "$M/d"; rm "$M/d/n"; rmdir "$M/d" && echo removed; names "$M"; ls "$M/d"'
	step 'mkdir "$M/d"; ls -A "$M/d"; test -e "$M/d/x1" || echo "x1 stays hidden"; rmdir "$M/d"; ls "$M/d"'
	step 'rmdir "$M/e1"; mkdir "$M/e1"; "$TESTPROG/sysop" rmdir "$M/e1" -- rmdir "$M/e1" -- mkdir "$M/e1" 700 -- stat "$M/e1"; ls -A "$M/e1"'
	step 'rm -r "$M/d2"; mkdir -p "$M/d2/deeper"; "$TESTPROG/sysop" rmdir "$M/d2" -- rmdir "$M/d2/deeper" -- rmdir "$M/d2"; ls "$M/d2"; mkdir "$M/d2"; find "$M/d2"'
}

check() { check_opaque "$1" "$2" e1 d2; }

compare_kernel_union rmdir-opaque-dir setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union rmdir-opaque-dir-nobody setup action check
un_done
