#!/bin/bash
# rename-merged-dir-exdev: rename of a directory with lower contents: EXDEV, and mv copies instead.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step '"$TESTPROG/sysop" rename "$M/d" "$M/d-new" -- rename "$M/d2" "$M/d2-new" -- rename "$M/e1" "$M/e1-new" -- rename "$M/d/sub" "$M/sub-new" -- rename "$M/du" "$M/du-new"'
	step 'mv "$M/d" "$M/d-moved"; names "$M"; find "$M/d-moved" | sort; cat "$M/d-moved/x1"'
	step 'mv "$M/d2" "$M/e2/"; find "$M/e2" | sort'
	step 'ls "$M/d" "$M/d2"'
	step '"$PYTHON" -c "import os, sys
try:
    os.rename(sys.argv[1], sys.argv[2])
    print(\"renamed\")
except OSError as e:
    print(e.strerror)" "$M/e2/d2" "$M/d2-back"'
}

check() { check_whiteout "$1" "$2" d d2; }

compare_kernel_union rename-merged-dir-exdev setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union rename-merged-dir-exdev-nobody setup action check
un_done
