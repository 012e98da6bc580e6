#!/bin/bash
# procs-sigchange: a SIGALRM handler deletes and makes names while the main code and another process change the union; sigaction reads the program's own handler back.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
need_edgeprog procs

procs_union

rc=0
PROCS_EXPECT="$T/expect" procs_run 150 "$T/d" sigchange "${EDGES_SIGNAL_SECS:-5}" || rc=$?
[ "$rc" = 0 ] || fail "procs sigchange: status $rc (137: the whole run hung)"

# A fresh process sees what the handler and the other process left: of
# c0..c399, only the odd ones below 300 (made again by the handler).  The
# program writes them to $T/expect when it ran to the end: a missing file
# fails the sort (set -e).
if [ "$rc" = 0 ]; then
	un_run "$M" "$T/d/upper" "$T/d/lower" -- ls "$M" |
		grep -xE 'c[0-9]+' | LC_ALL=C sort >"$T/seen" || true
	LC_ALL=C sort "$T/expect" >"$T/want"
	if cmp -s "$T/want" "$T/seen"; then
		echo "ok: a fresh process sees the $(wc -l <"$T/want") names c<i> the changes left"
	else
		fail "a fresh process sees other names c<i> than the changes left"
		diff "$T/want" "$T/seen" | head -n 10 >&2 || true
	fi
	expect_eq "a made-again name holds the handler's text" "re" \
		"$(un_run "$M" "$T/d/upper" "$T/d/lower" -- cat "$M/c1")"
fi
lowers_check
un_done
