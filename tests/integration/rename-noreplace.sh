#!/bin/bash
# rename-noreplace: renameat2 RENAME_NOREPLACE and RENAME_EXCHANGE, mv -n, replacing rename.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step '"$TESTPROG/sysop" renameat2 "$M/fu" "$M/f1" noreplace -- renameat2 "$M/fu" "$M/both" noreplace -- renameat2 "$M/f2" "$M/f2-new" noreplace -- renameat2 "$M/f1" "$M/d" noreplace -- renameat2 "$M/e1" "$M/e2" noreplace'
	step 'rm "$M/exe"; "$TESTPROG/sysop" renameat2 "$M/fu" "$M/exe" noreplace; cat "$M/exe"; names "$M"'
	step 'mv -n "$M/f1" "$M/both"; cat "$M/both" "$M/f1"'
	step '"$TESTPROG/sysop" renameat2 "$M/f1" "$M/hl1" exchange -- read "$M/f1" -- read "$M/hl1"'
	step '"$PYTHON" -c "import os, sys; os.rename(sys.argv[1], sys.argv[2])" "$M/f2-new" "$M/both"; cat "$M/both"; names "$M"'
}

compare_kernel_union rename-noreplace setup action
un_done
