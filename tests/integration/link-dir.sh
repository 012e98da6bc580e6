#!/bin/bash
# link-dir: link of directories (lower, upper, merged): EPERM; link of a symlink to a directory links the symlink; with AT_SYMLINK_FOLLOW: EPERM.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

# calls sysop does not make, through libc with ctypes (tests/prog/callc.py)
cp "$TOP_SRCDIR/tests/prog/callc.py" "$T/callc.py"

setup() { make_small_tree "$1"; }

# 1024 is AT_SYMLINK_FOLLOW.
action() {
	step '"$TESTPROG/sysop" link "$M/d" "$M/dl" -- link "$M/e1" "$M/e1l" -- link "$M/du" "$M/dul" -- link "$M/d2/deeper" "$M/deeperl" -- link "$M/d/" "$M/dl2"'
	step '"$TESTPROG/sysop" link "$M/link-d" "$M/link-d2" -- lstat "$M/link-d2" -- lstat "$M/link-d"; readlink "$M/link-d2"; names "$M/link-d2"'
	step '"$PYTHON" "$T/callc.py" linkat AT_FDCWD "$M/link-d" AT_FDCWD "$M/link-d3" 1024 -- linkat AT_FDCWD "$M/e2" AT_FDCWD "$M/e2l" 0; ln "$M/e2" "$M/e2l"'
	step 'names "$M"'
}

compare_kernel_union link-dir setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union link-dir-nobody setup action
un_done
