#!/bin/bash
# touch-lower: touch of lower files: times set, kept, or made now.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_small_tree "$1"; }

action() {
	step 'touch -d "2001-02-03 04:05:06.123456789" "$M/f1"; stat -c "%n %y" "$M/f1"'
	step 'touch -m -d @1000000000 "$M/d/x2"; stat -c "%n %Y" "$M/d/x2"; touch -a -d @1100000000 "$M/f2"; stat -c "%n %X %Y" "$M/f2"'
	step 'touch "$M/both"; [ "$(stat -c %Y "$M/both")" -gt 1600000000 ] && echo "both: mtime is now"'
	step 'touch -h -d @1200000000 "$M/link-f1"; stat -c "%n %Y" "$M/link-f1" "$M/f1"'
	step 'touch -r "$M/f1" "$M/exe"; stat -c "%n %y" "$M/exe"'
	step 'touch -d @1300000000 "$M/d2"; stat -c "%n %Y" "$M/d2"'
	step 'touch -c "$M/nope"; echo "touch -c: $?"; ls "$M/nope"'
	step 'stat -c "%n %Y" "$M/d/x1" "$M/d/sub/y2" "$M/hl2"'
}

compare_kernel_union touch-lower setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union touch-lower-nobody setup action
un_done
