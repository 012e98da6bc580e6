#!/bin/bash
# lazy-start: a process that never looks into the union opens nothing of it (no table, no lock file, nothing made in the upper) and is not stopped by a damaged table; the first look opens the table, and the merged cwd travels across exec to a child that asks for it only later.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done

D=$T/d
M=$T/m
U=$D/upper
mkdir -p "$U" "$D/lower/sub"
echo "from the lower" >"$D/lower/sub/f"
lowers_snapshot "$D/lower"
in_union() { (cd "$T" && un_run "$M" "$U" "$D/lower" -- "$@"); }

# Never looking: /bin/true, and a shell that only echoes.
rc=0
in_union /bin/true || rc=$?
expect_eq "true runs" 0 "$rc"
expect_eq "nothing made in the upper by a process that never looked" "" \
	"$(ls -A "$U")"
expect_eq "a shell that only echoes" "ran" "$(in_union sh -c 'echo ran')"
expect_eq "still nothing in the upper" "" "$(ls -A "$U")"

# The first look opens (makes) the table and works.
expect_eq "the first look" "f" "$(in_union ls "$M/sub")"
[ -f "$U/.union/whiteouts" ] && [ -f "$U/.union/lock" ] && [ -d "$U/.union/work" ] ||
	fail "the first look did not make the table, lock file and work directory: $(ls -A "$U/.union" 2>&1)"

# A damaged table stops only a process that looks.
cp "$U/.union/whiteouts" "$T/table.good"
echo "x garbage" >>"$U/.union/whiteouts"
rc=0
out=$(in_union sh -c 'echo ran' 2>&1) || rc=$?
expect_eq "a damaged table: a process that never looks runs" "ran/0" "$out/$rc"
rc=0
out=$(in_union cat "$M/sub/f" 2>/dev/null) || rc=$?
expect_eq "a damaged table: the first look stops the process" "/125" "$out/$rc"
cp "$T/table.good" "$U/.union/whiteouts"

# The merged cwd: a shell in the union execs children that ask for the
# cwd at once (pwd), after other calls (a relative open), or never (true)
# before execing one that asks.
expect_eq "the cwd across exec, asked at once" "$M/sub" \
	"$(in_union sh -c 'cd "$1/sub" && /bin/pwd' sh "$M")"
expect_eq "the cwd across exec, asked after other calls" "from the lower
$M/sub" "$(in_union sh -c 'cd "$1/sub" && sh -c "cat f; /bin/pwd"' sh "$M")"
expect_eq "the cwd across an exec that never asked" "$M/sub" \
	"$(in_union sh -c 'cd "$1/sub" && exec env /bin/sh -c /bin/pwd' sh "$M")"
# env -i clears its environment, UNION_CWD with it, before it asks for the
# cwd (at its exec): what it started with still counts.
expect_eq "the cwd across env -i" "$M/sub" \
	"$(in_union sh -c 'cd "$1/sub" && env -i /bin/pwd' sh "$M")"
lowers_check
un_done
