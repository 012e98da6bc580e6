#!/bin/bash
# removexattr-lower: removexattr of an attribute a lower file or directory holds: copied up without it, the others kept; ENODATA, ENOENT; on symlinks.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop
need_cmd setfattr getfattr

# calls sysop does not make, through libc with ctypes (tests/prog/callc.py)
cp "$TOP_SRCDIR/tests/prog/callc.py" "$T/callc.py"

setup() {
	make_small_tree "$1"
	setfattr -n user.a -v 1 "$1/lower1/f1"
	setfattr -n user.b -v 2 "$1/lower1/f1"
	setfattr -n user.a -v 1 "$1/lower2/d2"
	setfattr -n user.b -v 2 "$1/lower2/d2"
	setfattr -n user.c -v 3 "$1/lower2/d/x2"
}

action() {
	step 'setfattr -x user.a "$M/f1"; getfattr -d "$M/f1"; st "$M/f1"; cat "$M/f1"'
	step 'setfattr -x user.b "$M/d2"; getfattr -d "$M/d2"; names "$M/d2"'
	step '"$TESTPROG/sysop" removexattr "$M/d/x2" user.c -- getxattr "$M/d/x2" user.c -- removexattr "$M/d/x2" user.c -- removexattr "$M/f2" user.none -- removexattr "$M/nope" user.a -- removexattr "$M/f1" bogus.ns'
	step '"$PYTHON" "$T/callc.py" lremovexattr "$M/link-f1" user.b -- removexattr "$M/link-f1" user.b -- lremovexattr "$M/nope" user.a; getfattr -d "$M/f1"'
}

compare_kernel_union removexattr-lower setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union removexattr-lower-nobody setup action
un_done
