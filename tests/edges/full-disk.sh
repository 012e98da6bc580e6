#!/bin/bash
# full-disk: the upper on a 2 MiB tmpfs: a copy-up of a 4 MiB lower file and a whiteout-table append that hit ENOSPC return it, leave nothing partial (upper, .union/work), lose no earlier record; after space is freed the same calls succeed.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_root "a tmpfs mount for a small upper"
need_lib || un_done
need_prog sysop
SYSOP=$TESTPROG/sysop

D=$T/d
M=$T/m
mkdir -p "$D/fs" "$D/lower"
mount -t tmpfs -o size=2m,mode=755 tmpfs "$D/fs" ||
	skip "cannot mount a tmpfs here"
UN_MOUNTS+=("$D/fs")
U=$D/fs/upper
mkdir -p "$U"
head -c $((4 * 1024 * 1024)) /dev/urandom >"$D/lower/big"
# long names, so that the table soon needs another page
PAD=$(printf '%0100d' 0 | tr 0 x)
for i in $(seq 0 299); do echo "small $i" >"$D/lower/small$i$PAD"; done
BIGSUM=$(sha256sum <"$D/lower/big")
lowers_snapshot "$D/lower"
u() { un_run "$M" "$U" "$D/lower" -- "$@"; }

# An earlier record.
u rm "$M/small0$PAD"
expect_eq "the first deletion is recorded" "w small0$PAD" "$(table_records "$U")"

# 1. A copy-up that does not fit.
expect_eq "opening the 4 MiB lower file for writing: ENOSPC" \
	"open $M/big wronly,append: ENOSPC" "$(u "$SYSOP" open "$M/big" wronly,append)"
expect_eq "truncate of it: ENOSPC" "truncate $M/big 1: ENOSPC" "$(u "$SYSOP" truncate "$M/big" 1)"
expect_eq "chmod of it: ENOSPC" "chmod $M/big 600: ENOSPC" "$(u "$SYSOP" chmod "$M/big" 600)"
expect_eq "no partial copy in the upper" "" "$(ls -A "$U" | grep -v '^\.union$' || true)"
expect_eq "nothing left in .union/work" "" "$(ls -A "$U/.union/work")"
expect_eq "the view still shows the lower file whole" "$BIGSUM 644" \
	"$(u sh -c 'sha256sum <"$1"; stat -c %a "$1"' sh "$M/big" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "the earlier record is still there" "w small0$PAD" "$(table_records "$U")"

# 2. Table appends on a full disk: fill it, then delete until one fails.
head -c $((4 * 1024 * 1024)) /dev/zero >"$D/fs/filler" 2>/dev/null || true
failed_at=
for i in $(seq 1 299); do
	out=$(u "$SYSOP" unlink "$M/small$i$PAD")
	case $out in
	*": ok") ;;
	*": ENOSPC")
		failed_at=$i
		break
		;;
	*)
		fail "unlink small$i on a full disk: $out (expected ok or ENOSPC)"
		break
		;;
	esac
done
if [ -z "$failed_at" ]; then
	fail "299 deletions on a full disk all succeeded: the table never hit ENOSPC (where did it grow?)"
else
	echo "ok: the deletion of small$failed_at hit ENOSPC"
	expect_eq "small$failed_at is still in the view (its deletion failed)" "small $failed_at" \
		"$(u cat "$M/small$failed_at$PAD" 2>&1)"
	want=$(for i in $(seq 0 $((failed_at - 1))); do echo "w small$i$PAD"; done | LC_ALL=C sort)
	expect_eq "every record before it is there, none half-written" "$want" "$(table_records "$U")"
	bad=$(tail -n +2 "$U/.union/whiteouts" | grep -cvE '^[wo-] [!-~]+$' || true)
	[ "$bad" = 0 ] || un_log "note: the table ends in an unfinished line (the next writer cuts it)"
fi
expect_eq "nothing left in .union/work" "" "$(ls -A "$U/.union/work")"

# 3. Space freed: the same calls succeed.
rm -f "$D/fs/filler"
if [ -n "$failed_at" ]; then
	expect_eq "after freeing space, the failed deletion succeeds" \
		"unlink $M/small$failed_at$PAD: ok" "$(u "$SYSOP" unlink "$M/small$failed_at$PAD")"
	table_records "$U" | grep -qx "w small$failed_at$PAD" ||
		fail "the retried deletion is not recorded"
fi
# the copy-up still does not fit in 2 MiB: make room (a 6 MiB tmpfs)
mount -o remount,size=6m "$D/fs"
expect_eq "after freeing space, the copy-up succeeds" \
	"open $M/big wronly,append: ok" "$(u "$SYSOP" open "$M/big" wronly,append)"
expect_eq "the copy is whole" "$BIGSUM" "$(sha256sum <"$U/big")"
expect_eq "nothing left in .union/work" "" "$(ls -A "$U/.union/work")"
table_records "$U" | grep -qx "w small0$PAD" || fail "the first record was lost"
lowers_check
un_done
