#!/bin/bash
# creat-lower-file: creat() (and creat64) of lower files truncates them through a copy-up keeping the mode; new names get the mode asked; errors.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

# calls sysop does not make, through libc with ctypes (tests/prog/callc.py)
cp "$TOP_SRCDIR/tests/prog/callc.py" "$T/callc.py"

setup() { make_small_tree "$1"; }

action() {
	step '"$PYTHON" "$T/callc.py" creat "$M/f1" 0600 -- creat64 "$M/d/x2" 0600; show "$M/f1" "$M/d/x2"'
	step '"$PYTHON" "$T/callc.py" creat "$M/ro" 0644 -- creat "$M/exe" 0600; st "$M/ro" "$M/exe"'
	step '"$PYTHON" "$T/callc.py" creat "$M/newc" 0640 -- creat "$M/d2/deeper/newc2" 0604 -- creat "$M/link-f1" 0600 -- creat "$M/d" 0644 -- creat "$M/nodir/x" 0644 -- creat "$M/f2/x" 0644; st "$M/newc" "$M/d2/deeper/newc2" "$M/f1"'
	step 'rm "$M/both"; "$PYTHON" "$T/callc.py" creat "$M/both" 0611; st "$M/both"; names "$M"'
}

compare_kernel_union creat-lower-file setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union creat-lower-file-nobody setup action
un_done
