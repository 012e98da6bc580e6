#!/bin/bash
# copyup-preserves-hardlink-count-upper: upper files with several links keep their link count and stay one file through writes, chmod, rename and deletion of one name.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	make_small_tree "$1"
	ln "$1/upper/fu" "$1/upper/fu2"
	ln "$1/upper/fu" "$1/upper/du/fu3"
	ln "$1/upper/d/xu" "$1/upper/xu-link"
}

same='[ "$(stat -c %i "$1")" = "$(stat -c %i "$2")" ] && echo "$1 $2: one file" || echo "$1 $2: two files"'
export same

action() {
	step 'st "$M/fu" "$M/fu2" "$M/du/fu3" "$M/d/xu" "$M/xu-link"; cd "$M" && bash -c "$same" - fu du/fu3'
	step 'echo more >> "$M/fu2"; chmod 600 "$M/du/fu3"; st "$M/fu" "$M/fu2"; cat "$M/fu"'
	step 'mv "$M/fu2" "$M/d2/fu-moved"; st "$M/fu" "$M/d2/fu-moved"; cd "$M" && bash -c "$same" - fu d2/fu-moved'
	step 'rm "$M/du/fu3"; st "$M/fu" "$M/d2/fu-moved"; echo x > "$M/d/xu"; cat "$M/xu-link"; st "$M/xu-link"'
	step 'ln "$M/xu-link" "$M/e1/third"; st "$M/d/xu" "$M/xu-link" "$M/e1/third"'
}

compare_kernel_union copyup-preserves-hardlink-count-upper setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union copyup-preserves-hardlink-count-upper-nobody setup action
un_done
