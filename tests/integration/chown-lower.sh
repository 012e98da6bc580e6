#!/bin/bash
# chown-lower: chown of lower files, links and directories (root).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_root "chown to other users"

setup() { make_small_tree "$1"; }

action() {
	step 'chown 123:456 "$M/f1"; st "$M/f1"'
	step 'chown -h 7:8 "$M/link-f1"; st "$M/link-f1" "$M/f1"'
	step 'chown 9:9 "$M/d2"; st "$M/d2"; chown -R 11:12 "$M/d"; find "$M/d" -printf "%U:%G %P\n" | sort'
	step 'chown 5 "$M/hl1"; st "$M/hl1" "$M/hl2"; chown 5 "$M/nope"'
	step 'chown 65534:65534 "$M/exe"; st "$M/exe"; echo new > "$M/newfile"; chown 3:3 "$M/newfile"; st "$M/newfile"'
}

compare_kernel_union chown-lower setup action
un_done
