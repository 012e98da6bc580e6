#!/bin/bash
# run-temp-upper: without --upper, a fresh upper is made and removed afterwards, unless --keep.
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/tools/toolslib.sh"
need_union

mkdir -p "$T/l/d" "$T/tmp"
echo lower >"$T/l/f"
echo x >"$T/l/d/x"
chmod 750 "$T/l"
fix_times "$T/l"
lowers_snapshot "$T/l"
export TMPDIR=$T/tmp

# The command changes the union in place (MERGED defaults to the lower).
out=$(u run -l "$T/l" -- sh -c '
	echo changed >"$1/f"; rm -r "$1/d"; echo new >"$1/new"
	cat "$1/f" "$1/new"; ls "$1"; stat -c %a "$1"
	printf "%s\n" "$UNION_LAYERS"' sh "$T/l")
expect_eq "the command saw its changes" "changed
new
f
new
750" "$(printf '%s\n' "$out" | sed -n 1,5p)"
upper=$(printf '%s\n' "$out" | sed -n 6p | sed 's/^[^=]*=\([^:]*\):.*/\1/')
case $upper in
"$T/tmp/union-upper."*) printf 'ok: the upper was made under $TMPDIR\n' ;;
*) fail "the upper is not under \$TMPDIR: '$upper'" ;;
esac
expect_true "the temporary upper is removed" test ! -e "$upper"
expect_eq "nothing is left in \$TMPDIR" "" "$(ls -A "$T/tmp")"
lowers_check

# A temporary upper whose command made a read-only directory is removed.
u run -l "$T/l" -- sh -c 'mkdir -p "$1/ro/sub" && touch "$1/ro/sub/f" && chmod 555 "$1/ro/sub" "$1/ro"' sh "$T/l"
expect_eq "a read-only tree in the upper is removed too" "" "$(ls -A "$T/tmp")"

# ... also for an ordinary user, who must open it up to remove it.
if is_root; then
	chmod 1777 "$T/tmp"
	mkdir -m 755 "$T/open"
	as_nobody env TMPDIR="$T/tmp" "$UNION_CMD" run -l "$T/open" -- sh -c \
		'mkdir -p "$1/ro/sub" && touch "$1/ro/sub/f" && chmod 555 "$1/ro/sub" "$1/ro"' sh "$T/open" ||
		fail "as nobody: the command failed"
	expect_eq "as nobody: a read-only tree in the upper is removed" "" "$(ls -A "$T/tmp")"
fi

# --keep: the path is printed on stderr, the upper stays.
u run -k -l "$T/l" -- sh -c 'echo kept >"$1/k"' sh "$T/l" 2>"$T/err"
kept=$(sed -n 's/^union: kept the upper //p' "$T/err")
expect_true "--keep prints the upper's path" test -n "$kept"
expect_eq "--keep keeps the upper" kept "$(cat "$kept/k" 2>&1)"
expect_eq "the kept upper remembers its layers" "libunion-layers 1
merged $T/l
lower $T/l" "$(cat "$kept/.union/layers")"
expect_eq "diff works on the kept upper" "A $T/l/k" "$(u diff "$kept")"
rm -rf "$kept"
lowers_check

# The signal that kills the command does not keep the upper.
rc=0; u run -l "$T/l" -- sh -c 'echo x >"$1/y"; kill -TERM $$' sh "$T/l" || rc=$?
expect_eq "killed: status" 143 "$rc"
expect_eq "killed: the upper is removed" "" "$(ls -A "$T/tmp")"

# A given upper is never removed, and is made when missing.
u run -l "$T/l" -u "$T/up/deep" -- sh -c 'echo u >"$1/u"' sh "$T/l"
expect_eq "a given upper stays" u "$(cat "$T/up/deep/u")"
expect_eq "a new upper has the mode of the lower's root" 750 "$(stat -c %a "$T/up/deep")"
lowers_check

un_done
