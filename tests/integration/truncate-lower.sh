#!/bin/bash
# truncate-lower: truncate and ftruncate of lower files.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step 'truncate -s 3 "$M/f1"; show "$M/f1"'
	step 'truncate -s 0 "$M/f2"; st "$M/f2"'
	step 'truncate -s 100000 "$M/d/x2"; st "$M/d/x2"; head -c 10 "$M/d/x2" | od -c | head -2'
	step '"$TESTPROG/sysop" truncate "$M/ro" 1 -- truncate "$M/d" 0 -- truncate "$M/nope" 0 -- stat "$M/ro"'
	step 'truncate -s 5 "$M/hl1"; st "$M/hl1" "$M/hl2"'
	step '"$PYTHON" -c "import os, sys; fd = os.open(sys.argv[1], os.O_RDWR); os.ftruncate(fd, 2); os.close(fd)" "$M/both"; cat "$M/both"; echo'
}

compare_kernel_union truncate-lower setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union truncate-lower-nobody setup action
un_done
