#!/bin/bash
# access-w-ok-lower-readonly-file: access/faccessat/euidaccess W_OK on read-only lower files and directories: root may, 65534 gets EACCES; with AT_EACCESS; on absent names ENOENT.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

# calls sysop does not make, through libc with ctypes (tests/prog/callc.py)
cp "$TOP_SRCDIR/tests/prog/callc.py" "$T/callc.py"

setup() {
	make_small_tree "$1"
	mkd "$1/lower2/rodir" 555
	mkf "$1/lower2/rodir/inside" 444 inside
	mkf "$1/lower1/rx" 555 "#!/bin/sh"
}

# 2 is W_OK, 512 AT_EACCESS.
action() {
	step '"$TESTPROG/sysop" access "$M/ro" w -- access "$M/rx" w -- access "$M/rodir" w -- access "$M/rodir/inside" w -- access "$M/f1" w -- access "$M/nope" w -- access "$M/rodir/nope" w'
	step '"$PYTHON" "$T/callc.py" faccessat AT_FDCWD "$M/ro" 2 512 -- faccessat "dir:$M/rodir" inside 2 0 -- euidaccess "$M/ro" 2 -- eaccess "$M/rodir" 2 -- euidaccess "$M/f1" 2'
	step 'for p in ro rx rodir rodir/inside f1; do test -w "$M/$p" && echo "$p: writable" || echo "$p: not writable"; done'
	step 'echo x >> "$M/ro"; touch "$M/rodir/new"; st "$M/ro"; names "$M/rodir"'
}

compare_kernel_union access-w-ok-lower-readonly-file setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union access-w-ok-lower-readonly-file-nobody setup action
un_done
