#!/bin/bash
# harness-rebuild.sh - the differential tester plays its whole run with the
# library it started with, and never blames libunion for a driver that ran
# without it.
#
# Session 9: two testers run while a helper rebuilt its tree showed, at
# scattered seeds that replayed clean, "lowers changed", "tree: entry
# missing" and ENOENT.  GNU ld unlinks the library it relinks, then writes
# it in place; ld.so, finding no (or half a) libunion.so, said so on the
# driver's stderr, which nobody read, and ran the driver on the bare
# layers: in the inplace layout MERGED is a lower, so the operations wrote
# to it.  difftest.py now copies the library and the driver at its start
# (snapshot) and makes a harness error of ld.so's "cannot be preloaded"
# (preload_failed).  Here, in one run each (inplace layout, where it
# showed as "lowers changed"), once the first seed passed:
#   1. the library given with --lib is removed: the run must still pass;
#   2. the run's own copy is removed: every later seed must be a HARNESS
#      ERROR "libunion was not loaded", none a mismatch of libunion's.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: difftest needs root for the kernel overlay"
	exit 77
fi
# the build tree (the current directory under `make check`), else the
# source tree, as run-ci.sh
built() {
	local d
	for d in "$PWD/$1" "$top/$1"; do
		if [ -e "$d" ]; then
			printf '%s' "$d"
			return
		fi
	done
}
lib=${LIBUNION:-$(built preload/.libs/libunion.so)}
: "${DIFFTEST_DRIVER:=$(built tests/difftest/driver)}"
export DIFFTEST_DRIVER
if [ -z "$lib" ] || [ -z "$DIFFTEST_DRIVER" ]; then
	echo "SKIP: libunion.so or the difftest driver is not built"
	exit 77
fi
PYTHON=python3
[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3

T=$(mktemp -d /tmp/difftest-harness.XXXXXX)
trap 'rm -rf "$T"' EXIT
chmod 755 "$T"
fail=0

# running PID: the background run PID still runs, as this shell's job
# table says (not kill -0: the number of a run that ended and was
# reaped may be another process's since).
running() { jobs -rp | grep -qx "$1"; }

# run N VICTIM: a run of 6 inplace seeds (5-10: quick ones) on a copy of
# the library; once seed 5 passed, VICTIM ("lib": that copy, "snapshot":
# the run's own) is removed.  Its output in $T/out.N, its status in
# $T/rc.N.
run() {
	local n=$1 victim=$2 pid i gone=
	mkdir "$T/$n" && chmod 755 "$T/$n"
	cp "$lib" "$T/$n/libunion.so"
	PYTHONUNBUFFERED=1 "$PYTHON" "$here/difftest.py" --layout inplace \
		--first-seed 5 --seeds 6 -j1 --no-shrink --max-print 20 -v \
		--tmp "$T/$n" --lib "$T/$n/libunion.so" >"$T/out.$n" 2>&1 &
	pid=$!
	for ((i = 0; i < 600; i++)); do
		if grep -q '^ok seed 5 ' "$T/out.$n"; then
			if [ "$victim" = lib ]; then
				rm "$T/$n/libunion.so"
			else
				rm "$T/$n"/difftest.*/tools/libunion.so
			fi
			# the run must still be going: else it proved nothing
			running $pid && gone=1
			break
		fi
		running $pid || break
		sleep 0.05
	done
	wait $pid
	echo $? >"$T/rc.$n"
	if [ -z "$gone" ]; then
		echo "FAIL: run $n: the library was not removed while it ran"
		sed 's/^/  | /' "$T/out.$n"
		fail=1
	fi
}

run 1 lib
if [ "$(cat "$T/rc.1")" != 0 ] || ! grep -q ' 0 mismatches' "$T/out.1"; then
	echo "FAIL: the run played with the library given, not its own copy" \
		"(status $(cat "$T/rc.1")):"
	grep -v '^ok seed' "$T/out.1" | head -n 20 | sed 's/^/  | /'
	fail=1
else
	echo "ok: the library removed after the first seed, the run passed"
fi

run 2 snapshot
harness=$(grep -c 'HARNESS ERROR: .*libunion was not loaded' "$T/out.2")
mism=$(grep -c '^MISMATCH seed' "$T/out.2")
if [ "$(cat "$T/rc.2")" != 1 ] || [ "$harness" = 0 ] ||
	[ "$mism" != "$harness" ]; then
	echo "FAIL: a driver run without libunion is not a harness error" \
		"(status $(cat "$T/rc.2"), $mism mismatches, $harness" \
		"harness errors):"
	grep -v '^ok seed' "$T/out.2" | head -n 20 | sed 's/^/  | /'
	fail=1
else
	echo "ok: its copy removed after the first seed: $harness harness errors" \
		"'libunion was not loaded', no mismatch blamed on libunion"
fi
exit $fail
