#!/bin/bash
# mkdir-p: mkdir -p through lower directories.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_small_tree "$1"; }

action() {
	step 'mkdir -p "$M/d/sub/new/deeper/deepest"; find "$M/d" | sort; st "$M/d/sub"'
	step 'mkdir -p "$M/brand/new/tree"; find "$M/brand" | sort'
	step 'mkdir -pm 700 "$M/d2/deeper/p/q"; find "$M/d2" -printf "%m %P\n" | sort'
	step 'mkdir -p "$M/f1/x"; mkdir -p "$M/link-d/via-link"; names "$M/d"'
	step 'mkdir -pv "$M/d/sub" "$M/e1/a/b"'
}

compare_kernel_union mkdir-p setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union mkdir-p-nobody setup action
un_done
