#!/bin/bash
# open-wronly-dir-lower: open of lower directories for writing (O_WRONLY, O_RDWR, O_TRUNC, O_DIRECTORY): EISDIR, and reading them works.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step '"$TESTPROG/sysop" open "$M/e1" wronly -- open "$M/e1" rdwr -- open "$M/d2" wronly,append -- open "$M/d2/deeper" rdwr,directory -- open "$M/d2" wronly,directory -- open "$M/e2" rdonly -- open "$M/e2" rdonly,directory -- open "$M/d" wronly -- open "$M/link-d" rdwr'
	step '"$PYTHON" -c "import os, sys
for p in sys.argv[1:]:
    try:
        os.close(os.open(p, os.O_WRONLY)); print(p, \"opened\")
    except OSError as e:
        print(p, e.strerror)" "$M/e1" "$M/d2/deeper" "$M/d/sub"'
	step 'ls -A "$M/e1" "$M/d2"; st "$M/d2" "$M/d2/deeper"'
}

check() {
	local n
	for n in e1 e2 d2; do
		[ -e "$2/upper/$n" ] && fail "$1: upper/$n exists after an open that failed"
	done
	return 0
}

compare_kernel_union open-wronly-dir-lower setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union open-wronly-dir-lower-nobody setup action check
un_done
