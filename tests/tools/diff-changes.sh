#!/bin/bash
# diff-changes: `union diff` lists what an upper adds, changes and deletes, as docker diff does.
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/tools/toolslib.sh"
need_union

D=$T/t
make_change_tree "$D"
M=$D/m
expected="C $M/a
D $M/b
C $M/d
C $M/d/sub/y
D $M/d/x2
C $M/e
D $M/e/f
A $M/e/g
A $M/link
A $M/n
A $M/n/m
A $M/n/m/q
A $M/new
A $M/sp ace"
expect_eq "diff: A, C and D, sorted" "$expected" "$(u diff "$D/up")"

# --json: the same list as a JSON array.
json=$(u diff --json "$D/up")
from_json=$(printf '%s' "$json" | "$PYTHON" -c '
import json, sys
for e in json.load(sys.stdin):
    assert sorted(e) == ["kind", "path"], e
    print(e["kind"], e["path"])')
expect_eq "diff --json: the same changes" "$expected" "$from_json"

# Options instead of the layers file; a relative upper.
mv "$D/up/.union/layers" "$D/layers.saved"
rc=0; u diff "$D/up" 2>"$T/err" >/dev/null || rc=$?
expect_eq "without the layers file: status 1" 1 "$rc"
grep -q "was not used with 'union run'" "$T/err" ||
	fail "without the layers file: message: $(cat "$T/err")"
expect_eq "diff with --lower and --merged" "$expected" \
	"$(cd "$D" && u diff -l l1 --lower l2 -m m up)"
expect_eq "diff with --lower: MERGED is the first lower" \
	"$(printf '%s\n' "$expected" | sed "s|$M/|$D/l1/|")" \
	"$(u diff -l "$D/l1" -l "$D/l2" "$D/up")"
mv "$D/layers.saved" "$D/up/.union/layers"

# An upper without changes prints nothing; --json prints [].
mkdir -p "$T/e/l" "$T/e/up"
echo x >"$T/e/l/x"
u run -l "$T/e/l" -u "$T/e/up" -m "$T/e/m" -- cat "$T/e/m/x" >/dev/null
expect_eq "no changes: no output" "" "$(u diff "$T/e/up")"
expect_eq "no changes: --json" "[]" "$(u diff --json "$T/e/up")"

# Inside an opaque directory, a name the lowers also show is changed.
mkdir -p "$T/o/l/dir/sub"
echo old >"$T/o/l/dir/same"
echo old >"$T/o/l/dir/gone"
echo deep >"$T/o/l/dir/sub/deep"
fix_times "$T/o"
u run -l "$T/o/l" -u "$T/o/up" -m "$T/o/m" -- sh -c \
	'rm -r "$1/dir" && mkdir "$1/dir" && echo new >"$1/dir/same" && echo n >"$1/dir/fresh"' sh "$T/o/m"
expect_eq "opaque: C for the dir and a name shown before, D for the hidden" \
	"C $T/o/m/dir
A $T/o/m/dir/fresh
D $T/o/m/dir/gone
C $T/o/m/dir/same
D $T/o/m/dir/sub" "$(u diff "$T/o/up")"

# A directory whose mode changed, and one only copied up on the way.
mkdir -p "$T/p/l/a/b/c"
echo f >"$T/p/l/a/b/c/f"
mkdir -p "$T/p/l/x"
fix_times "$T/p"
u run -l "$T/p/l" -u "$T/p/up" -m "$T/p/m" -- sh -c \
	'chmod 700 "$1/x" && echo more >>"$1/a/b/c/f"' sh "$T/p/m"
expect_eq "a chmod'ed directory is C, one copied up on the way is not" \
	"C $T/p/m/a/b/c/f
C $T/p/m/x" "$(u diff "$T/p/up")"

# A deleted tree: only its top.
mkdir -p "$T/r/l/tree/a/b"
echo f >"$T/r/l/tree/a/b/f"
u run -l "$T/r/l" -u "$T/r/up" -m "$T/r/m" -- rm -r "$T/r/m/tree"
expect_eq "a deleted tree: only its top" "D $T/r/m/tree" "$(u diff "$T/r/up")"

# A whiteout in overlayfs's format (a 0/0 device) in the upper counts too.
if is_root; then
	mknod "$T/r/up/gone" c 0 0
	mkdir -p "$T/r/l/gone"
	expect_eq "a 0/0 device is a deletion" "D $T/r/m/gone
D $T/r/m/tree" "$(u diff "$T/r/up")"
	rm "$T/r/up/gone"
fi

# A corrupt table is reported with its line, never guessed at.
printf 'libunion-whiteouts 1\nw ok\nx bad\n' >"$T/r/up/.union/whiteouts"
rc=0; u diff "$T/r/up" >/dev/null 2>"$T/err" || rc=$?
expect_eq "a corrupt table: status 1" 1 "$rc"
expect_eq "a corrupt table: message" \
	"union: $T/r/up/.union/whiteouts: corrupt at line 3: unknown operation" "$(cat "$T/err")"

un_done
