#!/bin/bash
# procs-fork-threads: fork while other threads change the union (and popen); every child does union work and exits.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
# ASan's allocator is not fork-safe: in the child of a multithreaded fork
# its lock may be held by a thread that no longer exists (the child's
# first malloc hangs; glibc's malloc resets its locks in the child).
need_no_sanitizer "forks of a multithreaded process: ASan's allocator is not fork-safe"
need_lib || un_done
need_edgeprog procs

N=${EDGES_FORKS:-200}
procs_union

rc=0
procs_run 300 "$T/d" forkthreads "$N" || rc=$?
[ "$rc" = 0 ] || fail "procs forkthreads: status $rc (137: the whole run hung)"

# Another process: every child's deletion, no thread's leftovers.
left=$(un_run "$M" "$T/d/upper" "$T/d/lower" -- ls "$M" |
	grep -E '^(c[0-9]+|lw[0-3]|t[0-9]+_[0-9]+|child[0-9]+)$' | sort -V | tr '\n' ' ' || true)
want=$(for i in $(seq "$N" 399); do printf 'c%d ' "$i"; done)
expect_eq "another process sees the children's deletions and nothing left by the threads" \
	"$want" "$left"
expect_eq "the work directory is empty" "" "$(ls -A "$T/d/upper/.union/work")"
lowers_check
un_done
