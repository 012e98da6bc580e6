#!/bin/bash
# unlink-dir: unlink of directories (lower, upper, merged, trailing slash, through a symlink): EISDIR; unlinkat AT_REMOVEDIR and remove() take empty ones.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

# calls sysop does not make, through libc with ctypes (tests/prog/callc.py)
cp "$TOP_SRCDIR/tests/prog/callc.py" "$T/callc.py"

setup() { make_small_tree "$1"; }

# 512 is AT_REMOVEDIR.
action() {
	step '"$TESTPROG/sysop" unlink "$M/d" -- unlink "$M/e1" -- unlink "$M/du" -- unlink "$M/d2/deeper" -- unlink "$M/d/" -- unlink "$M/e1/" -- unlink "$M/link-d/" -- unlink "$M/d/sub"'
	step 'rm "$M/e1"; rm "$M/d2"; names "$M"'
	step '"$PYTHON" "$T/callc.py" unlinkat AT_FDCWD "$M/e1" 0 -- unlinkat AT_FDCWD "$M/e1" 512 -- unlinkat AT_FDCWD "$M/f1" 512 -- unlinkat AT_FDCWD "$M/d2" 512 -- unlinkat AT_FDCWD "$M/link-d" 512'
	step '"$PYTHON" "$T/callc.py" remove "$M/e2" -- remove "$M/f2" -- remove "$M/d" -- remove "$M/nope" -- remove "$M/e2"; names "$M"'
}

check() { check_whiteout "$1" "$2" e1 e2 f2; }

compare_kernel_union unlink-dir setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union unlink-dir-nobody setup action check
un_done
