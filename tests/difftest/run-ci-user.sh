#!/bin/bash
# run-ci-user.sh - the differential tester as the unprivileged user of
# issue 11, as `make check` and CI run it: the layers (lowers, upper, the
# cwd) belong to uid 65534, who plays the operations (setpriv; libunion is
# loaded after it); the kernel overlay is still mounted by root.  Every
# layout, DIFFTEST_USER_SEEDS seeds, a budget of DIFFTEST_USER_BUDGET
# seconds (about a minute with the defaults on the 2-core VM), at least
# DIFFTEST_USER_MIN_SEEDS per layout.  Its own variables: the root run's
# (DIFFTEST_SEEDS...) are set for the whole `make check` by CI's
# sanitizer pass, where this run is slower.  The mismatches that known.txt lists
# (issue 11's items still being fixed) print KNOWN and do not fail.
# Exit status as run-ci.sh's (77: not root, or no setpriv).
here=$(cd "$(dirname "$0")" && pwd)
command -v setpriv >/dev/null 2>&1 || {
	echo "SKIP: difftest as the user needs setpriv (util-linux)"
	exit 77
}
DIFFTEST_USER=1 \
DIFFTEST_SEEDS=${DIFFTEST_USER_SEEDS:-200} \
DIFFTEST_BUDGET=${DIFFTEST_USER_BUDGET:-120} \
DIFFTEST_MIN_SEEDS=${DIFFTEST_USER_MIN_SEEDS:-60} \
DIFFTEST_MAX_SHRINK=${DIFFTEST_MAX_SHRINK:-2} \
DIFFTEST_REPRO_DIR=${DIFFTEST_REPRO_DIR:-$PWD/difftest-repros-user} \
	exec bash "$here/run-ci.sh"
