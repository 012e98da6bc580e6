#!/bin/bash
# rmdir-lower-nonempty-partially-whited: rmdir of a directory in two lowers while some of its names are deleted: ENOTEMPTY until the last visible name goes.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	make_small_tree "$1"
	mkf "$1/lower1/pd/a" 644 a
	mkf "$1/lower1/pd/b" 644 b
	mkf "$1/lower2/pd/c" 644 c
	mkf "$1/lower2/pd/sub/s" 644 s
	mkf "$1/lower2/pd/a" 644 "a under"
}

action() {
	step 'rm "$M/pd/a"; "$TESTPROG/sysop" rmdir "$M/pd"; names "$M/pd"'
	step 'rm "$M/pd/b" "$M/pd/c"; "$TESTPROG/sysop" rmdir "$M/pd"; names "$M/pd"'
	step 'rm "$M/pd/sub/s"; "$TESTPROG/sysop" rmdir "$M/pd" -- rmdir "$M/pd/sub" -- rmdir "$M/pd" -- stat "$M/pd"; names "$M"'
	step 'ls "$M/pd"; mkdir "$M/pd"; ls -A "$M/pd"; cat "$M/pd/a"'
}

check() { check_opaque "$1" "$2" pd; }

compare_kernel_union rmdir-lower-nonempty-partially-whited setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union rmdir-lower-nonempty-partially-whited-nobody setup action check
un_done
