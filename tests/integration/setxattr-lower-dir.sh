#!/bin/bash
# setxattr-lower-dir: setxattr on lower and merged directories (user.*, and trusted.* as root): copied up with the attribute, contents still merged.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop
need_cmd setfattr getfattr

setup() {
	make_small_tree "$1"
	setfattr -n user.old -v from-lower "$1/lower2/d2"
}

action() {
	step 'setfattr -n user.x -v 1 "$M/d2"; getfattr -d "$M/d2"; names "$M/d2"; cat "$M/d2/only2"'
	step 'setfattr -n user.y -v 2 "$M/d"; getfattr -d "$M/d"; names "$M/d"; names "$M/d/sub"'
	step 'setfattr -n user.z -v 3 "$M/d2/deeper"; getfattr -d "$M/d2/deeper" "$M/d2"; names "$M/d2/deeper"'
	step 'setfattr -n user.e -v "" "$M/e1"; getfattr -d "$M/e1"; setfattr -n user.l -v v "$M/link-d"; getfattr -d "$M/d"'
	step '"$TESTPROG/sysop" setxattr "$M/e2" user.a b -- getxattr "$M/e2" user.a -- setxattr "$M/e2/nope" user.a b -- setxattr "$M/e2" bogus.ns b -- getxattr "$M/e2" user.none'
	step 'if [ "$(id -u)" = 0 ]; then setfattr -n trusted.mine -v t "$M/d2"; getfattr -n trusted.mine "$M/d2"; fi; getfattr -d "$M/d2"'
}

compare_kernel_union setxattr-lower-dir setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union setxattr-lower-dir-nobody setup action
un_done
