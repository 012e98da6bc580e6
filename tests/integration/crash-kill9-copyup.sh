#!/bin/bash
# crash-kill9-copyup: kill -9 in the middle of copy-ups and deletions: no partial file, the table still reads.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_harness_off
need_lib || un_done

L=$T/lower U=$T/upper M=$T/merged
mkdir -p "$L" "$U"
yes 0123456789abcdef | head -c 200M >"$L/big"
for i in $(seq -w 0 1999); do echo "$i" >"$L/del-$i"; done
big_size=$(stat -c %s "$L/big")
lowers_snapshot "$L"
spec=$(un_spec "$M" "$U" "$L")

in_union() { UNION_LAYERS=$spec LD_PRELOAD=$LIBUNION "$@"; }

nstaged() { ls -A "$U/.union/work" 2>/dev/null | wc -l; }

# A copy-up killed at several moments (the last, "done", once the copy
# has finished, however long a loaded machine takes: it must then be
# whole; a fixed 1.5 s was too short under load).
partial_seen=0
for delay in 0 0.02 0.05 0.1 0.2 done; do
	rm -f "$U/big"
	before=$(nstaged)
	UNION_LAYERS=$spec LD_PRELOAD=$LIBUNION M=$M \
		bash -c 'exec 3<>"$M/big"; exec sleep 30' &
	pid=$!
	UN_BG_PIDS+=("$pid")
	# Wait for a new staging file (or the end of the copy), then a while.
	for _ in $(seq 1 400); do
		[ "$(nstaged)" -gt "$before" ] && break
		[ -e "$U/big" ] && break
		sleep 0.005
	done
	if [ "$delay" = done ]; then
		for _ in $(seq 1 1200); do
			[ -e "$U/big" ] && break
			sleep 0.05
		done
	else
		sleep "$delay"
	fi
	[ "$(nstaged)" -gt "$before" ] && partial_seen=$((partial_seen + 1))
	# (its sleep may be over under load: a number waited for by the
	# shell may be another process's since; so below)
	un_is_child "$pid" && kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	if [ -e "$U/big" ]; then
		s=$(stat -c %s "$U/big")
		if [ "$s" != "$big_size" ] || ! cmp -s "$U/big" "$L/big"; then
			fail "killed after ${delay}s: a partial upper/big ($s of $big_size bytes)"
		fi
		state="complete in the upper"
	else
		state="not in the upper"
	fi
	names=$(in_union ls -A "$M" 2>&1 | grep -v '^del-' | tr '\n' ' ')
	[ "$names" = "big " ] || fail "killed after ${delay}s: the merged root shows '$names'"
	mstat=$(in_union stat -c %s "$M/big" 2>&1)
	[ "$mstat" = "$big_size" ] || fail "killed after ${delay}s: merged big has size $mstat"
	echo "killed after ${delay}s: big $state; merged view whole"
done
[ -e "$U/big" ] || fail "no copy-up finished, even 60 s after it started"
in_union cmp "$M/big" "$L/big" || fail "merged big differs from the lower's"
echo "a copy-up was under way in upper/.union/work at $partial_seen of 6 kills"
rm -rf "$U/.union/work"/* 2>/dev/null || true

# Deletions killed midway: every deletion reported done stays done, and
# the table still reads.
cat >"$T/deleter.py" <<'PY'
import os, sys, time
M = sys.argv[1]
for i in range(2000):
    try:
        os.unlink("%s/del-%04d" % (M, i))
    except FileNotFoundError:
        pass
    print("%04d" % i, flush=True)
time.sleep(30)
PY
for want in 50 400 2000; do
	UNION_LAYERS=$spec LD_PRELOAD=$LIBUNION "$PYTHON" "$T/deleter.py" "$M" >"$T/deleted" 2>"$T/deleter.err" &
	pid=$!
	UN_BG_PIDS+=("$pid")
	for _ in $(seq 1 2000); do
		[ "$(wc -l <"$T/deleted")" -ge "$want" ] && break
		sleep 0.002
	done
	un_is_child "$pid" && kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	n=$(wc -l <"$T/deleted")
	[ -s "$T/deleter.err" ] && fail "deleter: $(cat "$T/deleter.err")"
	visible=$(in_union ls -A "$M" 2>&1) || fail "the union no longer lists: $visible"
	# (one grep for all of them: a grep per name cost a minute under load)
	still=$(printf '%s\n' "$visible" |
		grep -xFf <(sed 's/^/del-/' "$T/deleted") | head -3 || true)
	[ -z "$still" ] || fail "reported deleted, still visible: $still"
	missing=$(for i in $(cat "$T/deleted"); do echo "del-$i"; done |
		grep -vxFf <(whiteout_records "$T" | sed -n 's/^w //p') | head -3)
	[ -z "$missing" ] || fail "reported deleted, no record in the table: $missing"
	echo "killed after $n of 2000 reported deletions: all hold"
done
in_union cat "$M/big" >/dev/null || fail "the union does not read after the kills"
lowers_check
un_done
