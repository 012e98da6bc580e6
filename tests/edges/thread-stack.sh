#!/bin/bash
# thread-stack: the library's deepest calls (copy-up by append and by rename, mkdir, a listing, removals) from a thread with a small stack: README.md promises that 128 KiB is enough; this runs them in 128 KiB and fails on a crash (a wrapper whose frames grew past it: listxattr's 64 KiB list did at 128).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
cc_build thread-stack thread-stack.c -pthread ||
	skip "cannot build a threaded program with $EDGES_CC"

# (ASan's frames carry redzones: the sanitizer build gets more.)
kib=128
if [ -n "${UN_PRELOAD_FIRST:-}" ]; then
	kib=1024
	echo "NOTE: sanitizer build: the thread gets $kib KiB"
fi

D=$T/layers
M=$T/m
mkdir -p "$D/upper" "$D/lower/dir"
echo "from the lower" >"$D/lower/dir/file"
lowers_snapshot "$D/lower"
rc=0
out=$(bounded 30 env UNION_LAYERS="$(un_spec "$M" "$D/upper" "$D/lower")" \
	LD_PRELOAD="$LIBUNION" "$T/thread-stack" "$M" "$kib" 2>&1) || rc=$?
expect_eq "the calls in a thread of $kib KiB" "ok/0" "$out/$rc"
expect_eq "what they left in the union" "" \
	"$(un_run "$M" "$D/upper" "$D/lower" -- ls -A "$M/dir")"
lowers_check
un_done
