#!/bin/bash
# read-du: du: sizes, inode counts, hard links counted once.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_rich_tree "$1"; }

# Directory sizes legitimately differ: keep only the lines of non-directories.
FILES='while read -r s p; do [ -d "$p" ] && [ ! -L "$p" ] || echo "$s $p"; done | sort -k2'

action() {
	step "du -alb \"\$M\" | $FILES"
	step "du -ak \"\$M\" | $FILES"
	step 'du -ab "$M/hl-a" "$M/hl-b" "$M/common.txt"'
	step 'du -s --inodes "$M"; du -a --inodes "$M" | sort -k2'
	step 'du -sL --inodes "$M" 2>&1; du -s --inodes "$M/dir" "$M/dirlink" "$M/dirlink/"'
	step 'cd "$M" && du -a --inodes --max-depth=1 . | sort -k2; du -b nope'
}

compare_kernel_union read-du setup action
un_done
