#!/bin/bash
# run-ci: the concurrency tester's bounded run of `make check` and CI:
# tests/stress/race.py over fixed seeds, as root, then as the user
# nobody who owns the layers, within about 60 s (a time budget: no seed
# starts after it; a seed takes 3-8 s on the loaded 2-core VM).  Root
# only (the kernel overlay judges the judge): a SKIP otherwise.
#
#   bash tests/stress/run-ci.sh            (RACE_SEEDS, RACE_ROUNDS,
#                                           RACE_BUDGET change it)
set -u
top=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/stress/ci-lib.sh"
stress_ci_start race.py
seeds=${RACE_SEEDS:-8} rounds=${RACE_ROUNDS:-3} budget=${RACE_BUDGET:-26}
rc=0
"$py" -B "$top/tests/stress/race.py" --seeds "$seeds" --rounds "$rounds" \
	--time-budget "$budget" --lib "$lib" || rc=1
"$py" -B "$top/tests/stress/race.py" --seeds "$seeds" --rounds "$rounds" \
	--time-budget "$((budget * 3 / 4))" --lib "$lib" --as-user || rc=1
exit "$rc"
