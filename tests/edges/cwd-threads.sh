#!/bin/bash
# cwd-threads: one thread changes directory between two merged
# directories (different depths) while two others stat a name relative to
# the cwd; each lookup must find it.  The cwd's merged path is read
# without a lock (fdtab.c cwd_read, a seqlock: writers make the count odd
# while they write): a torn read gives a path of neither directory.
# Runs 1 second, as root and as nobody.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
cc_build cwd-threads cwd-threads.c -pthread ||
	skip "cannot build a threaded program with $EDGES_CC"

D=$T/layers
M=$T/m
long=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
mkdir -p "$D/upper/d1/aaaa" "$D/upper/d2/$long/c" "$D/lower/d1/aaaa" \
	"$D/lower/d2/$long/c"
# "id" in every copy: this test looks for a torn merged path; the real
# cwd against the merged path, with names in one copy each, is
# tests/integration/chdir-threads-layers's.
for l in upper lower; do
	echo a >"$D/$l/d1/aaaa/id"
	echo bb >"$D/$l/d2/$long/c/id"
done
chmod -R a+rX "$T"
chown -R 65534:65534 "$D"	# nobody owns the layers
lowers_snapshot "$D/lower"
for who in root nobody; do
	run=()
	if [ $who = nobody ]; then
		run=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
	fi
	rc=0
	out=$(bounded 30 "${run[@]}" env \
		UNION_LAYERS="$(un_spec "$M" "$D/upper" "$D/lower")" \
		LD_PRELOAD="$LIBUNION" "$T/cwd-threads" "$M" 10) || rc=$?
	expect_eq "relative lookups while the cwd changes ($who)" "ok/0" \
		"$out/$rc"
done
lowers_check
un_done
