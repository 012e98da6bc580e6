#!/bin/bash
# read-ls-la: `ls` in its common forms over a rich set of layers.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_rich_tree "$1"; }

# Directory sizes and the "total" line legitimately differ: blank them.
LSF="awk '/^total / { \$2 = \"-\" } /^d/ { \$5 = \"-\" } 1'"

action() {
	step "ls -la --time-style=+%F \"\$M\" | $LSF"
	step "ls -laR --time-style=+%F \"\$M\" | $LSF"
	step 'ls -1 "$M"; ls -A1F "$M/dir" "$M/shape2" "$M/emptydir"'
	step 'ls -lL --time-style=+%F "$M" 2>&1 | awk '\''/^total / { $2 = "-" } /^d/ { $5 = "-" } 1'\'''
	step 'ls -ld "$M/dir" "$M/shape1" "$M/shape3" | cut -d" " -f1,2'
	step 'ls -a "$M/upper-empty" "$M/empty3" "$M/dir/empty1"'
	step 'ls "$M/no-such-name"; ls "$M/.union"; ls -d "$M/.union"'
	step 'cd "$M/dir" && ls -a && ls ../shape2 && ls -d ../*/'
	step 'ls -1U "$M" | sort; ls -1t "$M" | sort | head -3'
	step 'ls -lS --time-style=+ "$M/dir" | awk '\''/^total / { $2 = "-" } /^d/ { $5 = "-" } 1'\'''
}

compare_kernel_union read-ls-la setup action
un_done
