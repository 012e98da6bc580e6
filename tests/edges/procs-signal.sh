#!/bin/bash
# procs-signal: a SIGALRM handler stats and reads merged paths while the main code is inside the library (and while it forks).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
need_edgeprog procs

procs_union

# The program's own watchdog reports a hang after 20 s without progress;
# the outer bound is for a hang it cannot see.
rc=0
procs_run 120 "$T/d" signal "${EDGES_SIGNAL_SECS:-5}" || rc=$?
[ "$rc" = 0 ] || fail "procs signal: status $rc (137: the whole run hung)"

# The main loop recreated lw0 each round; the view is still whole.
expect_eq "another process sees f and lw0" "f
lw0" "$(un_run "$M" "$T/d/upper" "$T/d/lower" -- ls "$M" | grep -xE 'f|lw0' || true)"
lowers_check
un_done
