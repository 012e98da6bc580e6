#!/bin/bash
# linkat-follow-symlink: linkat with AT_SYMLINK_FOLLOW through lower symlinks links (and copies up) the target; without it, the link itself; relative to directory descriptors.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

# calls sysop does not make, through libc with ctypes (tests/prog/callc.py)
cp "$TOP_SRCDIR/tests/prog/callc.py" "$T/callc.py"

setup() {
	make_small_tree "$1"
	mkl d2/only2 "$1/lower1/link-only2"
}

# 1024 is AT_SYMLINK_FOLLOW.
action() {
	step '"$PYTHON" "$T/callc.py" linkat AT_FDCWD "$M/link-f1" AT_FDCWD "$M/hard-f1" 1024; st "$M/hard-f1" "$M/f1"; [ "$(stat -c %i "$M/f1")" = "$(stat -c %i "$M/hard-f1")" ] && echo "one inode"'
	step '"$PYTHON" "$T/callc.py" linkat AT_FDCWD "$M/link-only2" AT_FDCWD "$M/d/hard-only2" 1024 -- linkat AT_FDCWD "$M/abslink-f2" AT_FDCWD "$M/hard-f2" 1024; st "$M/d2/only2" "$M/d/hard-only2" "$M/f2" "$M/hard-f2"'
	step '"$PYTHON" "$T/callc.py" linkat AT_FDCWD "$M/link-f1" AT_FDCWD "$M/soft-copy" 0; st "$M/soft-copy"; readlink "$M/soft-copy"'
	step '"$PYTHON" "$T/callc.py" linkat "dir:$M/d" x2 "dir:$M/d2/deeper" x2-link 0 -- linkat "dir:$M/d" nope "dir:$M/d2" x 0 -- linkat "dir:$M/d" x1 "dir:$M/e1" x1 0; st "$M/d/x2" "$M/d2/deeper/x2-link" "$M/e1/x1"'
}

compare_kernel_union linkat-follow-symlink setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union linkat-follow-symlink-nobody setup action
un_done
