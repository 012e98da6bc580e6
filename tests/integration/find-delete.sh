#!/bin/bash
# find-delete: find -delete over the merged view.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_small_tree "$1"; }

action() {
	step 'find "$M" -name "x*" -delete; find "$M" | sort'
	step 'find "$M/d2" -delete; names "$M"'
	step 'find "$M" -type f -name "*2*" -print -delete | sort; find "$M" -type f | sort'
	step 'find "$M" -empty -type d -delete; find "$M" -type d | sort'
	step 'find "$M" -mindepth 1 -delete; ls -A "$M"'
}

compare_kernel_union find-delete setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union find-delete-nobody setup action
un_done
