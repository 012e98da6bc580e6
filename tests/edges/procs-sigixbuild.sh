#!/bin/bash
# procs-sigixbuild: a signal handler that deletes a lower name while its own thread holds the table's flock to write the index of a big table (a lookup's catch-up, wt_file.c wt_ix_build_maybe) is held back until the section ends; it used to wait for that flock for ever.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
need_edgeprog procs

# pass WHO RUN: the layers (owned by nobody for that pass), x0..x2101 in
# the lower; the program deletes them (more whiteouts than an index
# needs), makes the index's temporary file a FIFO and lands a SIGALRM
# while the index's writer waits on it, the flock held.
pass() {
	local who=$1 run=$2 d=$T/$1 rc=0
	mkdir -p "$d/upper" "$d/lower"
	(cd "$d/lower" && for i in $(seq 0 2101); do : >"x$i"; done)
	[ -z "$run" ] || chown -R 65534:65534 "$d"
	lowers_snapshot "$d/lower"
	M=$T/m-$who
	$run bash -c 'exec timeout -s KILL 60 "$@"' _ env \
		UNION_LAYERS="$(un_spec "$M" "$d/upper" "$d/lower")" \
		LD_PRELOAD="$LIBUNION" "$EDGEPROG/procs" sigixbuild "$M" \
		"$d/upper" || rc=$?
	[ "$rc" = 0 ] || fail "procs sigixbuild ($who): status $rc (137: the run hung)"
	expect_eq "no FIFO left in UPPER/.union ($who)" "" \
		"$(find "$d/upper/.union" -type p)"
	lowers_check "$d/lower"
}

run_self_then_nobody pass
un_done
