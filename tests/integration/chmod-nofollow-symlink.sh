#!/bin/bash
# chmod-nofollow-symlink: fchmodat(AT_SYMLINK_NOFOLLOW) and lchmod on lower symlinks: EOPNOTSUPP, neither link nor target changed; on files it works.
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

# 256 is AT_SYMLINK_NOFOLLOW.
action() {
	step '"$PYTHON" "$T/callc.py" fchmodat AT_FDCWD "$M/link-f1" 0600 256 -- fchmodat AT_FDCWD "$M/dangling" 0600 256 -- lchmod "$M/link-d" 0700 -- fchmodat AT_FDCWD "$M/nope" 0600 256'
	step 'st "$M/link-f1" "$M/f1" "$M/dangling" "$M/d"'
	step '"$PYTHON" "$T/callc.py" fchmodat AT_FDCWD "$M/f2" 0600 256 -- lchmod "$M/d/x2" 0640 -- fchmodat AT_FDCWD "$M/e1" 0700 256 -- fchmodat AT_FDCWD "$M/link-f1" 0604 0; st "$M/f2" "$M/d/x2" "$M/e1" "$M/f1"'
}

compare_kernel_union chmod-nofollow-symlink setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union chmod-nofollow-symlink-nobody setup action
un_done
