#!/bin/bash
# rename-upper-dir-over-empty-lower-dir: rename of an upper directory over an empty lower directory (and one emptied by deletions): allowed, the result opaque, no lower name shows.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step '"$TESTPROG/sysop" rename "$M/du" "$M/e1"; find "$M/e1" | sort; names "$M"'
	step 'rm "$M/d2/only2" "$M/d2/deeper/z"; rmdir "$M/d2/deeper"; ls -A "$M/d2"; mkdir "$M/nd"; echo n > "$M/nd/n"; "$TESTPROG/sysop" rename "$M/nd" "$M/d2"; find "$M/d2" | sort'
	step 'test -e "$M/d2/only2" || echo "only2 stays hidden"; test -e "$M/d2/deeper" || echo "deeper stays hidden"; touch "$M/d2/only2"; ls -A "$M/d2"; cat "$M/d2/only2"; echo end'
	step 'mkdir "$M/nd2"; "$TESTPROG/sysop" renameat2 "$M/nd2" "$M/e2" noreplace -- renameat2 "$M/nd2" "$M/e2" 0 -- rename "$M/nd2" "$M/e2"; ls -A "$M/e2"; names "$M"'
}

check() { check_opaque "$1" "$2" e1 d2 e2; }

compare_kernel_union rename-upper-dir-over-empty-lower-dir setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union rename-upper-dir-over-empty-lower-dir-nobody setup action check
un_done
