#!/bin/bash
# run-ci.sh - the differential tester as `make check` and CI run it: every
# MERGED layout (absent, in place, two mounts), DIFFTEST_SEEDS seeds of
# DIFFTEST_OPS operations each, within DIFFTEST_BUDGET seconds on
# DIFFTEST_JOBS cores.  Measured on 2 cores: about 0.1 s per seed and
# layout, so the default 300 seeds x 3 layouts take about 90 s; the
# budget stops starting new seeds after 200 s, and fewer than 300 seeds in
# any layout is a failure (issue 4 asks for at least 300 x 60).  (It ran
# 800 seeds until CI took 42 minutes; longer runs are made by hand:
# DIFFTEST_SEEDS=2000 tests/difftest/run-ci.sh.)
#
# The mismatches of known.txt (issue 11's items being fixed) print KNOWN
# and do not fail the run; DIFFTEST_KNOWN= (empty) turns the list off.
# DIFFTEST_USER=1 plays the operations as uid 65534 (run-ci-user.sh).
#
# Exit status: 0 no mismatch, 1 a mismatch (or too few seeds), 77 skipped
# (not root: the kernel overlay needs it).  Mismatches are printed with the
# seed, the first differing operation and the shrunk case; reproducer
# scripts go to $DIFFTEST_REPRO_DIR.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: difftest needs root for the kernel overlay"
	exit 77
fi

# The build tree is the current directory under `make check`; the source
# tree otherwise.
if [ -z "${DIFFTEST_DRIVER:-}" ]; then
	for d in "$PWD/tests/difftest/driver" "$here/driver"; do
		if [ -x "$d" ]; then
			DIFFTEST_DRIVER=$d
			break
		fi
	done
fi
export DIFFTEST_DRIVER
if [ -z "${LIBUNION:-}" ]; then
	LIBUNION=$top/preload/.libs/libunion.so
	[ -f "$PWD/preload/.libs/libunion.so" ] &&
		LIBUNION=$PWD/preload/.libs/libunion.so
fi

# A python that every user can run (not a per-user shim), as tests/lib.sh.
if [ -z "${PYTHON:-}" ]; then
	PYTHON=python3
	[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
fi
if ! command -v "$PYTHON" >/dev/null 2>&1; then
	echo "SKIP: difftest needs python3"
	exit 77
fi

start=$(date +%s)
known=()
[ -n "${DIFFTEST_KNOWN-x}" ] && known=(--known "${DIFFTEST_KNOWN:-$here/known.txt}")
"$PYTHON" "$here/difftest.py" \
	--layout all \
	--seeds "${DIFFTEST_SEEDS:-300}" \
	--ops "${DIFFTEST_OPS:-60}" \
	--jobs "${DIFFTEST_JOBS:-2}" \
	--time-budget "${DIFFTEST_BUDGET:-200}" \
	--min-seeds "${DIFFTEST_MIN_SEEDS:-300}" \
	--max-shrink "${DIFFTEST_MAX_SHRINK:-3}" \
	--max-print "${DIFFTEST_MAX_PRINT:-20}" \
	--repro-dir "${DIFFTEST_REPRO_DIR:-$PWD/difftest-repros}" \
	"${known[@]}" \
	${DIFFTEST_USER:+--as-user} \
	--lib "$LIBUNION"
rc=$?
# (The driver's stdin is /dev/null: an operation that escaped through a
# descriptor it took for another would change it; lib.sh says more.)
nul=$(stat -c '%F %t:%T %a %u' /dev/null)
if [ "$nul" != "character special file 1:3 666 0" ]; then
	echo "FAIL: /dev/null is not the null device of mode 0666 any more ($nul): an operation escaped the layers"
	rc=1
fi
echo "difftest: run-ci took $(($(date +%s) - start)) s"
exit $rc
