#!/bin/bash
# link-noent: link from absent or whited-out names (ENOENT), into missing parents (ENOENT) or files (ENOTDIR); a dangling symlink links as itself.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

# calls sysop does not make, through libc with ctypes (tests/prog/callc.py)
cp "$TOP_SRCDIR/tests/prog/callc.py" "$T/callc.py"

setup() {
	make_small_tree "$1"
	mkl nowhere "$1/lower2/dangling"
}

action() {
	step '"$TESTPROG/sysop" link "$M/nope" "$M/x" -- link "$M/nodir/x" "$M/x" -- link "$M/fu" "$M/nodir/x" -- link "$M/fu" "$M/f2/x" -- link "$M/f2/x" "$M/x"'
	step 'rm "$M/f1" "$M/d/x2"; "$TESTPROG/sysop" link "$M/f1" "$M/x" -- link "$M/d/x2" "$M/x" -- link "$M/link-f1" "$M/lf" -- stat "$M/lf"; readlink "$M/lf"'
	step '"$TESTPROG/sysop" link "$M/dangling" "$M/dl2" -- lstat "$M/dl2"; "$PYTHON" "$T/callc.py" linkat AT_FDCWD "$M/dangling" AT_FDCWD "$M/dl3" 1024; names "$M"'
}

compare_kernel_union link-noent setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union link-noent-nobody setup action
un_done
