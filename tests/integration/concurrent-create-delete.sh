#!/bin/bash
# concurrent-create-delete: 8 processes create and delete distinct and overlapping names at once.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_lib || un_done

setup() {
	local d=$1 i
	mkdir -p "$d/upper" "$d/lower1" "$d/lower2/shared-dir"
	for i in $(seq 0 39); do echo "f$i" >"$d/lower1/f$i"; done
	for i in $(seq 0 9); do echo "s$i" >"$d/lower2/s$i"; done
	for i in $(seq 0 7); do echo "x$i" >"$d/lower2/shared-dir/x$i"; done
	echo keep >"$d/lower2/shared-dir/keep"
}

# One worker: deletes its own lower files and all the shared ones, makes
# and deletes its own new files, makes the common ones.
cat >"$T/worker.py" <<'PY'
import os, sys
i, M = int(sys.argv[1]), sys.argv[2]
def rm(p):
    try:
        os.unlink(p)
    except FileNotFoundError:
        pass
for k in range(5):
    rm("%s/f%d" % (M, i * 5 + k))
for k in range(10):
    with open("%s/n_%d_%d" % (M, i, k), "w") as f:
        f.write("%d\n" % i)
for k in range(0, 10, 2):
    os.unlink("%s/n_%d_%d" % (M, i, k))
for k in range(10):
    rm("%s/s%d" % (M, k))
for k in range(5):
    with open("%s/common_%d" % (M, k), "w") as f:
        f.write("same\n")
os.makedirs(M + "/newdir/sub", exist_ok=True)
with open("%s/newdir/sub/w_%d" % (M, i), "w") as f:
    f.write("%d\n" % i)
rm("%s/shared-dir/x%d" % (M, i))
PY

CONCURRENT='for i in 0 1 2 3 4 5 6 7; do "$PYTHON" "$T/worker.py" $i "$M" & done; wait; echo done'
SEQUENTIAL='for i in 0 1 2 3 4 5 6 7; do "$PYTHON" "$T/worker.py" $i "$M"; done; echo done'

DELETED="$(for i in $(seq 0 39); do printf 'f%d ' "$i"; done)"
DELETED="$DELETED s0 s1 s2 s3 s4 s5 s6 s7 s8 s9"
DELETED="$DELETED shared-dir/x0 shared-dir/x1 shared-dir/x2 shared-dir/x3 shared-dir/x4 shared-dir/x5 shared-dir/x6 shared-dir/x7"

# libunion alone: the concurrent run against a sequential replay.
if [ -z "$UN_HARNESS" ]; then
	for mode in concurrent sequential; do
		d=$T/alone-$mode
		M=$T/m-$mode
		setup "$d"
		lowers_snapshot "$d/lower1" "$d/lower2"
		cmd=$CONCURRENT
		[ $mode = sequential ] && cmd=$SEQUENTIAL
		out=$(M=$M un_run "$M" "$d/upper" "$d/lower1" "$d/lower2" -- bash -c "$cmd" 2>&1) || true
		expect_eq "$mode run: no errors" "done" "$out"
		M=$M un_run "$M" "$d/upper" "$d/lower1" "$d/lower2" -- \
			bash -c "$(declare -f listing _un_listing_walk _un_listing_fmt); listing \"\$M\"" >"$T/$mode.list" 2>&1 || true
		lowers_check
		check_whiteout union "$d" $DELETED
	done
	if cmp -s "$T/concurrent.list" "$T/sequential.list"; then
		echo "ok: the concurrent run left what a sequential replay leaves"
	else
		fail "the concurrent run differs from a sequential replay"
		diff -u --label sequential --label concurrent "$T/sequential.list" "$T/concurrent.list" | head -n 60 >&2
	fi
	# Every worker's file, every common file, no deleted name.
	expect_eq "the final view" "$(printf '%s\n' common_0 common_1 common_2 common_3 common_4 \
		$(for i in 0 1 2 3 4 5 6 7; do for k in 1 3 5 7 9; do echo "n_${i}_$k"; done; done) \
		newdir/sub/w_{0..7} shared-dir/keep | sort)" \
		"$(awk '$2 == "f" { print $1 }' "$T/concurrent.list")"
fi

action() {
	step "$CONCURRENT"
}

check() { check_whiteout "$1" "$2" $DELETED; }

is_root || skip "the kernel comparison needs root (the libunion part ran)"
compare_kernel_union concurrent-create-delete setup action check
un_done
