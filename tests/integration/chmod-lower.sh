#!/bin/bash
# chmod-lower: chmod of lower files and directories copies them up with the new mode.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_small_tree "$1"; }

action() {
	step 'chmod 600 "$M/f1"; st "$M/f1"; cat "$M/f1"'
	step 'chmod 700 "$M/d2/deeper"; st "$M/d2/deeper" "$M/d2"; names "$M/d2/deeper"'
	step 'chmod +x "$M/link-f1"; st "$M/f1" "$M/link-f1"'
	step 'chmod 4755 "$M/exe"; st "$M/exe"'
	step 'chmod 755 "$M/ro"; st "$M/ro"; chmod 644 "$M/nope"'
	step 'chmod -R go-rwx "$M/d"; find "$M/d" -printf "%m %P\n" | sort'
	step 'chmod 644 "$M/hl1"; st "$M/hl1" "$M/hl2"'
}

compare_kernel_union chmod-lower setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union chmod-lower-nobody setup action
un_done
