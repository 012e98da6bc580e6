#!/bin/bash
# procs-sigwatch: a signal handler that deletes a lower name while its own thread reads inotify events of the union (the emulation reads the table's new records under a LOCK_SH on its lock file, watch_events.c table_event) is held back until that section ends; it used to wait for the LOCK_SH for ever.  strace delays every flock's return, so the signal comes inside the section every time.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
need_edgeprog procs
need_strace_delay flock

# pass WHO RUN: the layers (owned by nobody for that pass); the table
# made by a first process, so that the program's start takes no flock.
pass() {
	local who=$1 run=$2 d=$T/$1 rc=0
	mkdir -p "$d/upper" "$d/lower"
	: >"$d/lower/x0"
	: >"$d/lower/x1"
	[ -z "$run" ] || chown -R 65534:65534 "$d"
	lowers_snapshot "$d/lower"
	M=$T/m-$who
	$run env UNION_LAYERS="$(un_spec "$M" "$d/upper" "$d/lower")" \
		LD_PRELOAD="$LIBUNION" ls "$M" >/dev/null
	$run bash -c 'exec timeout -s KILL 60 "$@"' _ strace -qq -o /dev/null \
		-e trace=flock -e inject=flock:delay_exit=1500000 env \
		UNION_LAYERS="$(un_spec "$M" "$d/upper" "$d/lower")" \
		LD_PRELOAD="$LIBUNION" "$EDGEPROG/procs" sigwatch "$M" || rc=$?
	[ "$rc" = 0 ] || fail "procs sigwatch ($who): status $rc (137: the run hung)"
	expect_eq "a fresh process sees both deletions ($who)" "" \
		"$($run env UNION_LAYERS="$(un_spec "$M" "$d/upper" "$d/lower")" \
			LD_PRELOAD="$LIBUNION" ls "$M")"
	lowers_check
}

run_self_then_nobody pass
un_done
