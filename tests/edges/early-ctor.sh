#!/bin/bash
# early-ctor: another preloaded library whose constructor stats, reads, lists, creates and deletes merged paths, before or after libunion's constructor (both LD_PRELOAD orders).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
cc_build libctor.so ctor-lib.c -shared -fPIC ||
	skip "cannot build a shared library with $EDGES_CC"
CTOR=$T/libctor.so

want="ctor: stat M/f: ok
ctor: read M/f: ok
ctor: readdir M: ok
ctor: create M/made-by-ctor: ok
ctor: unlink M/gone: ok"
# LD_PRELOAD=ctor:libunion runs libunion's constructor first (the loader
# initialises the later one first); LD_PRELOAD=libunion:ctor runs the other
# library's first, so that its calls find libunion not yet initialised.
for order in ctor-runs-second ctor-runs-first; do
	D=$T/$order
	M=$T/m-$order
	mkdir -p "$D/upper" "$D/lower"
	echo "from the lower" >"$D/lower/f"
	echo "to delete" >"$D/lower/gone"
	lowers_snapshot "$D/lower"
	if [ $order = ctor-runs-second ]; then pre=$CTOR:$LIBUNION; else pre=$LIBUNION:$CTOR; fi
	rc=0
	out=$(bounded 30 env UNION_LAYERS="$(un_spec "$M" "$D/upper" "$D/lower")" \
		LD_PRELOAD="$pre" CTOR_M="$M" /bin/cat "$M/f" 2>&1) || rc=$?
	expect_eq "$order: the constructor's calls, then the program's" \
		"$want
from the lower/0" "$out/$rc"
	expect_eq "$order: another process sees the constructor's changes" "f
made-by-ctor" "$(un_run "$M" "$D/upper" "$D/lower" -- ls "$M")"
	lowers_check
done
un_done
