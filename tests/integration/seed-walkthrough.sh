#!/bin/bash
# seed-walkthrough: every step of shared/seed-walkthrough.md (examples/seed-walkthrough.sh), and the same steps compared with the kernel.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_harness_off
need_lib || un_done

# The demonstration itself: no root needed (its step 7 is skipped without).
if bash "$TOP_SRCDIR/examples/seed-walkthrough.sh" "$LIBUNION"; then
	echo "ok: examples/seed-walkthrough.sh"
else
	fail "examples/seed-walkthrough.sh: a step did not hold"
fi

setup() { make_seed_tree "$1"; }

action() {
	step 'cat "$M/in_both.txt"'
	step 'find "$M" | sort'
	step 'echo "new file" > "$M/new_file"; ls -l --time-style=+ "$M/new_file"'
	step 'rm "$M/in_both.txt"; cat "$M/in_both.txt"; ls "$M"'
	step 'rm "$M/in_lower.txt"; cat "$M/in_lower.txt"; ls "$M"'
}

check() {
	check_whiteout "$1" "$2" in_both.txt in_lower.txt
	[ "$(cat "$2/upper/new_file")" = "new file" ] || fail "$1: upper/new_file"
}

is_root || skip "the kernel comparison needs root (the walkthrough itself passed)"
UN_MERGED_ABSENT=1 compare_kernel_union seed-walkthrough setup action check
un_done
