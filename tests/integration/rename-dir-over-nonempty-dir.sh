#!/bin/bash
# rename-dir-over-nonempty-dir: rename of directories over non-empty ones (upper-only, lower-only, merged targets): ENOTEMPTY, or EXDEV first when the source lies in a lower; nothing changed.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	make_small_tree "$1"
	mkf "$1/upper/du2/x" 644 x
}

action() {
	step '"$TESTPROG/sysop" rename "$M/du" "$M/du2" -- rename "$M/du" "$M/d" -- rename "$M/du" "$M/d2" -- rename "$M/du" "$M/d/sub"'
	step 'mkdir "$M/nd"; "$TESTPROG/sysop" rename "$M/nd" "$M/d2" -- rename "$M/nd" "$M/du" -- rename "$M/e1" "$M/d2" -- rename "$M/e1" "$M/du"'
	step 'rm "$M/d2/only2"; "$TESTPROG/sysop" rename "$M/nd" "$M/d2"; find "$M/du" "$M/du2" "$M/d2" "$M/nd" | sort'
}

compare_kernel_union rename-dir-over-nonempty-dir setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union rename-dir-over-nonempty-dir-nobody setup action
un_done
