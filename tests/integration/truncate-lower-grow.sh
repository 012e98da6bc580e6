#!/bin/bash
# truncate-lower-grow: truncate growing lower files: the old content, then zeros; mode kept; in lower-only directories.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step 'truncate -s 40 "$M/f1"; st "$M/f1"; od -c "$M/f1"'
	step '"$TESTPROG/sysop" truncate "$M/d2/deeper/z" 8192 -- stat "$M/d2/deeper/z"; head -c 20 "$M/d2/deeper/z"; echo; tail -c 4 "$M/d2/deeper/z" | od -An -c'
	step 'truncate -s +10 "$M/both"; st "$M/both"; truncate -s +5 "$M/exe"; st "$M/exe"'
	step '"$PYTHON" -c "import os, sys; fd = os.open(sys.argv[1], os.O_WRONLY); os.ftruncate(fd, 100); os.close(fd)" "$M/f2"; st "$M/f2"; head -1 "$M/f2"'
	step '"$TESTPROG/sysop" truncate "$M/ro" 1000 -- stat "$M/ro"; truncate -s 2000000 "$M/d/x1"; st "$M/d/x1" "$M/d"'
}

compare_kernel_union truncate-lower-grow setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union truncate-lower-grow-nobody setup action
un_done
