#!/bin/bash
# fd-close-all: programs that close every descriptor (close_range, closefrom, a close loop) or dup2 over 900..1023 where libunion keeps its own; deletions afterwards reach another process; a held fifo's O_PATH descriptor.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
need_edgeprog fdops

D=$T/d
M=$T/m
MODES="closerange closefrom closeloop dup2high dup2lib"
mkdir -p "$D/upper" "$D/lower"
echo keep >"$D/lower/keep"
for m in $MODES; do
	echo "gone $m" >"$D/lower/gone-$m"
	echo "pre $m" >"$D/lower/pre-$m"	# (fdops deletes it first)
done
mkfifo -m 644 "$D/lower/pf"
: >"$T/progfile"
lowers_snapshot "$D/lower"
SPEC=$(un_spec "$M" "$D/upper" "$D/lower")

for m in $MODES; do
	extra=()
	[ $m = dup2high ] && extra=("$T/progfile")
	rc=0
	bounded 60 env UNION_LAYERS="$SPEC" LD_PRELOAD="$LIBUNION" \
		"$EDGEPROG/fdops" "$m" "$M" "${extra[@]}" || rc=$?
	[ "$rc" = 0 ] || fail "fdops $m: status $rc"
	# Another process sees the deletion and the new file.
	out=$(un_run "$M" "$D/upper" "$D/lower" -- sh -c \
		'ls "$1/gone-$2" 2>/dev/null; cat "$1/new-$2"' sh "$M" "$m" 2>&1 || true)
	expect_eq "$m: another process sees gone-$m deleted and new-$m made" "new" "$out"
	table_records "$D/upper" | grep -qxF "w gone-$m" ||
		fail "$m: no whiteout record of gone-$m in the table"
done
expect_eq "the program's own file was never written by the library" "" "$(cat "$T/progfile")"

# A fifo's O_PATH descriptor (fifo.c) survives close_range, gives way to
# the program's dup2, and still holds the fifo once its copy is unlinked.
rc=0
bounded 60 env UNION_LAYERS="$SPEC" LD_PRELOAD="$LIBUNION" \
	"$EDGEPROG/fdops" fifohold "$M" || rc=$?
[ "$rc" = 0 ] || fail "fdops fifohold: status $rc"
lowers_check
un_done
