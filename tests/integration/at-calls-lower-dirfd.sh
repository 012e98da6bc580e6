#!/bin/bash
# at-calls-lower-dirfd: the *at calls with descriptors of lower-only and merged directories: mkdirat, symlinkat, mkfifoat, mknodat, renameat, unlinkat, fchmodat, fchownat, faccessat.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

# calls sysop does not make, through libc with ctypes (tests/prog/callc.py)
cp "$TOP_SRCDIR/tests/prog/callc.py" "$T/callc.py"

setup() { make_small_tree "$1"; }

# 512 is AT_REMOVEDIR (unlinkat) and AT_EACCESS (faccessat), 256 AT_SYMLINK_NOFOLLOW.
action() {
	step '"$PYTHON" "$T/callc.py" mkdirat "dir:$M/d2" newsub 0750 -- symlinkat only2 "dir:$M/d2" sl -- mkfifoat "dir:$M/d2/deeper" fifo 0640 -- mknodat "dir:$M/e1" reg 0100600 0; find "$M/d2" "$M/e1" | sort; st "$M/d2/newsub" "$M/d2/sl" "$M/d2/deeper/fifo" "$M/e1/reg"'
	step '"$PYTHON" "$T/callc.py" renameat "dir:$M/d" x2 "dir:$M/d2" x2 -- renameat "dir:$M/d2" only2 "dir:$M/e2" only2 -- renameat "dir:$M/d" nope "dir:$M/d2" x; for x in d d2 e2; do echo "$x:"; names "$M/$x"; done'
	step '"$PYTHON" "$T/callc.py" unlinkat "dir:$M/d" x1 0 -- unlinkat "dir:$M/d" sub 0 -- unlinkat "dir:$M/d2" deeper 512 -- unlinkat "dir:$M/d2/deeper" z 0 -- unlinkat "dir:$M/d2" deeper 512 -- unlinkat "dir:$M" e1 512 -- unlinkat "dir:$M" e2 512; for x in d d2 .; do echo "$x:"; names "$M/$x"; done'
	step '"$PYTHON" "$T/callc.py" fchmodat "dir:$M/d" sub/y2 0600 0 -- fchmodat "dir:$M" link-f1 0600 256 -- faccessat "dir:$M" ro 2 0 -- faccessat "dir:$M" ro 2 512 -- faccessat "dir:$M/d" nope 0 0; st "$M/d/sub/y2" "$M/f1"'
	step 'if [ "$(id -u)" = 0 ]; then "$PYTHON" "$T/callc.py" fchownat "dir:$M/d" sub 5 6 0 -- fchownat "dir:$M" link-f1 7 8 256; st "$M/d/sub" "$M/link-f1" "$M/f1"; fi'
}

compare_kernel_union at-calls-lower-dirfd setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union at-calls-lower-dirfd-nobody setup action
un_done
