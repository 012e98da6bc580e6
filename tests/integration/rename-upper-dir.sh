#!/bin/bash
# rename-upper-dir: rename of directories that lie only in the upper.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step '"$TESTPROG/sysop" rename "$M/du" "$M/du2"; find "$M/du2" | sort; names "$M"'
	step 'mkdir -p "$M/newdir/a/b"; echo x > "$M/newdir/a/b/f"; "$TESTPROG/sysop" rename "$M/newdir" "$M/d/newdir-moved"; find "$M/d" | sort'
	step '"$TESTPROG/sysop" rename "$M/du2" "$M/d" -- rename "$M/du2" "$M/f1"'
	step '"$TESTPROG/sysop" rename "$M/du2" "$M/e1"; find "$M/e1" | sort; names "$M"'
	step 'mkdir "$M/x"; "$TESTPROG/sysop" rename "$M/x" "$M/x/y" -- rename "$M/x" "$M/e2"; names "$M"'
}

compare_kernel_union rename-upper-dir setup action
un_done
