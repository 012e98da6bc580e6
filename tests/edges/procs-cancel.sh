#!/bin/bash
# procs-cancel: pthread_cancel of threads blocked in, or looping over, wrapped calls; the union works on, here and in another process.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
need_edgeprog procs

procs_union

rc=0
procs_run 200 "$T/d" cancel "${EDGES_CANCEL_ROUNDS:-50}" || rc=$?
[ "$rc" = 0 ] || fail "procs cancel: status $rc (137: the whole run hung)"

# After the process is gone (its flock with it), the union is usable and
# the table readable.  Only the lower files c<i> are counted: a looping
# thread cancelled inside make_file (write and close are cancellation
# points) leaves its cx<t>_<k> behind before it could unlink it, as it
# would on the kernel's overlay; counting those made this test fail
# about one run in three.
rc=0
out=$(bounded 30 env UNION_LAYERS="$(un_spec "$M" "$T/d/upper" "$T/d/lower")" \
	LD_PRELOAD="$LIBUNION" sh -c 'rm "$1/c0" && ls "$1" | grep -c "^c[0-9]*$"' sh "$M" 2>&1) || rc=$?
expect_eq "afterwards a new process deletes and lists" "399/0" "$out/$rc"
# The names the cancelled threads left are the upper's, no more, no less.
expect_eq "the cx names listed are the upper's" \
	"$(cd "$T/d/upper" && ls | grep '^cx' || true)" \
	"$(un_run "$M" "$T/d/upper" "$T/d/lower" -- ls "$M" | grep '^cx' || true)"
lowers_check
# Copy-ups a cancellation cut short stay in the work directory (as after
# kill -9); say so, it is not what this test is about.
if [ -n "$(ls -A "$T/d/upper/.union/work")" ]; then
	un_log "note: left in .union/work: $(ls -A "$T/d/upper/.union/work" | head -n 5 | tr '\n' ' ')"
fi
un_done
