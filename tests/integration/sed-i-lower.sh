#!/bin/bash
# sed-i-lower: sed -i on lower files (a temporary file renamed over the lower name).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_small_tree "$1"; }

action() {
	step 'sed -i s/lower/SED/ "$M/f1"; show "$M/f1"'
	step 'sed -i.bak s/from/FROM/ "$M/d/x2"; show "$M/d/x2" "$M/d/x2.bak"'
	step 'sed -i s/exe/EXE/ "$M/exe"; show "$M/exe"'
	step 'sed -i s/f1/F1/ "$M/link-f1"; st "$M/link-f1" "$M/f1"'
	step 'sed -i --follow-symlinks s/f2/F2/ "$M/abslink-f2"; show "$M/f2" "$M/abslink-f2"'
	step 'sed -i s/a/b/ "$M/nope"; sed -i s/a/b/ "$M/d"; ls -A "$M/d"'
	step 'cd "$M/d/sub" && sed -i "1i first line" y2 && cat y2 && ls -A'
}

compare_kernel_union sed-i-lower setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union sed-i-lower-nobody setup action
un_done
