#!/bin/bash
# read-symlinks: relative, absolute (under MERGED), chained, dangling and looping symlinks.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_rich_tree "$1"; }

action() {
	stepx <<'SH'
cd "$M" && for l in rel-link abs-link abs-dirlink dirlink chain-link dangling abs-dangling dir/up-link u-link loop-a; do
	printf '%s: %s | %s | %s\n' "$l" "$(readlink "$l")" "$(readlink -f "$l")" "$(readlink -m "$l")"
done
SH
	step 'cd "$M" && realpath -e rel-link abs-link abs-dirlink dirlink chain-link dir/up-link u-link dangling loop-a abs-dangling'
	step 'cat "$M/abs-dirlink/deep3.txt" "$M/dirlink/a2.txt" "$M/dirlink/sub/../a1.txt"'
	step 'ls "$M/abs-dirlink/" "$M/dirlink/sub" "$M/dirlink/"'
	step 'for p in dangling loop-a rel-link dirlink; do test -e "$M/$p"; e=$?; test -L "$M/$p"; l=$?; test -d "$M/$p"; d=$?; echo "$p e=$e L=$l d=$d"; done'
	step 'stat -L "$M/loop-a"; cat "$M/loop-b"; ls "$M/loop-a/"'
	step 'ls -lL --time-style=+ "$M/abs-link" "$M/u-link" "$M/chain-link"'
	step 'readlink -m "$M/dirlink/../only1.txt"; cd "$M/dirlink" && cat ../common.txt && cat "$(pwd -P)/../common.txt"'
	step 'find "$M" -maxdepth 1 -type l -printf "%f %Y\n" | sort'
	step 'cd "$M" && readlink -e abs-dirlink/../deep1.txt; cat abs-dirlink/../a3.txt'
}

compare_kernel_union read-symlinks setup action
un_done
