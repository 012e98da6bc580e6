#!/bin/bash
# cwd-fifo: a thread's relative open of a fifo outside every union blocks
# (no writer yet) while it holds the cwd pinned (fdtab.c, Pins); the main
# thread's chdirs into a merged directory and back must go on after the
# bound of their wait (CWD_DRAIN_NS), and its open of the fifo for
# writing then lets the reader go.  A chdir that waited for the pin for
# ever would deadlock (bounded: a hang is a failure).  As root and as
# nobody.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
cc_build cwd-fifo cwd-fifo.c -pthread ||
	skip "cannot build a threaded program with $EDGES_CC"

D=$T/layers
M=$T/m
mkdir -p "$D/upper" "$D/lower/d" "$T/far"
chmod -R a+rX "$T"
chmod 777 "$T/far"
chown -R 65534:65534 "$D"	# nobody owns the layers
lowers_snapshot "$D/lower"
for who in root nobody; do
	run=()
	if [ $who = nobody ]; then
		run=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
	fi
	rc=0
	out=$(cd "$T/far" && bounded 60 "${run[@]}" env \
		UNION_LAYERS="$(un_spec "$M" "$D/upper" "$D/lower")" \
		LD_PRELOAD="$LIBUNION" "$T/cwd-fifo" "$M/d" 20) || rc=$?
	expect_eq "chdir while a relative open of a fifo blocks ($who)" \
		"ok hi/0" "$out/$rc"
done
lowers_check
un_done
