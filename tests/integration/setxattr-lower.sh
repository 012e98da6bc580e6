#!/bin/bash
# setxattr-lower: user.* xattrs set and removed on lower files and directories (copy-up keeps the others).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_cmd setfattr getfattr
need_prog sysop

setup() {
	make_small_tree "$1"
	setfattr -n user.keep -v kept "$1/lower1/f1"
	setfattr -n user.keep -v kept-dir "$1/lower2/d2"
	setfattr -n user.other -v other "$1/lower2/f2"
}

action() {
	step 'setfattr -n user.new -v hello "$M/f1"; getfattr -d "$M/f1"'
	step 'setfattr -x user.keep "$M/f1"; getfattr -d "$M/f1"'
	step 'setfattr -n user.dir -v yes "$M/d"; getfattr -d "$M/d"; setfattr -x user.keep "$M/d2"; getfattr -d "$M/d2"; names "$M/d2"'
	step 'getfattr -d "$M/f2"; setfattr -x user.absent "$M/f2"; getfattr -d "$M/f2"'
	step '"$TESTPROG/sysop" setxattr "$M/nope" user.a b -- getxattr "$M/f1" user.new -- removexattr "$M/f2" user.none -- getxattr "$M/f2" user.other -- getxattr "$M/d2" user.keep'
	step 'getfattr -h -d -m - "$M/f1" "$M/f2" "$M/d" "$M/d2" "$M/fu" 2>&1'
	step 'setfattr -h -n user.l -v x "$M/link-f1"; getfattr -d "$M/f1"'
}

compare_kernel_union setxattr-lower setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union setxattr-lower-nobody setup action
un_done
