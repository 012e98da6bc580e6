#!/bin/bash
# read-nobody: the read scenarios as uid 65534 over root-owned layers (0600 files, a 0700 directory).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_rich_tree "$1"; }

action() {
	step 'ls -la --time-style=+ "$M" | awk '\''/^total / { $2 = "-" } /^d/ { $5 = "-" } 1'\'''
	step 'find "$M" 2>&1 | sort'
	step 'cd "$M" && find . -type f | sort | while read -r f; do cat "$f" 2>&1 || true; done'
	step 'listing "$M" 2>&1'
	step 'ls "$M/private"; cat "$M/private/hidden.txt"; cd "$M/private"; stat -c "%n %a" "$M/private/hidden.txt"'
	step 'cd "$M" && for p in common.txt ro.txt secret.txt only2.sh dir private; do printf "%s %s%s\n" "$p" "$(test -r "$p" && echo r || echo -)" "$(test -x "$p" && echo x || echo -)"; done'
	step 'grep -r lower "$M" 2>&1 | sort'
	step 'du -a --inodes "$M" 2>&1 | sort -k2'
	step '"$M/only2.sh"; cd "$M/dir" && cat a1.txt sub/deep1.txt'
}

UN_AS=nobody compare_kernel_union read-nobody setup action
un_done
