#!/bin/bash
# procs-vfork: vfork children that stat, read and delete through the union before they exec a merged program.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
need_edgeprog procs

procs_union

rc=0
out=$(procs_run 60 "$T/d" vfork 2>&1) || rc=$?
printf '%s\n' "$out"
[ "$rc" = 0 ] || fail "procs vfork: status $rc (124/137: it hung)"
expect_eq "the exec'd merged cat printed M/f twice" "hello
hello" "$(printf '%s\n' "$out" | grep -x hello || true)"

# What another process sees afterwards.
expect_eq "another process sees the vfork child's and the parent's changes" \
	"vf-new" \
	"$(un_run "$M" "$T/d/upper" "$T/d/lower" -- ls "$M" | grep '^vf-' || true)"
expect_eq "the deletions are whiteout records" "w vf-g
w vf-h" "$(table_records "$T/d/upper")"
lowers_check
un_done
