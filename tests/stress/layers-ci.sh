#!/bin/bash
# layers-ci: the layer stacks tester's bounded run of `make check` and CI:
# tests/stress/layers.py (5-20 lowers with whiteouts and opaque
# directories, a script under the kernel and libunion, then union diff,
# export, convert and commit against the kernel, commit and convert
# killed and run again) over fixed seeds: as root, as the user nobody,
# and over OCI layers, within about 60 s (a seed takes 5-15 s on the
# loaded 2-core VM).  Root only (the kernel overlay is the reference).
#
#   bash tests/stress/layers-ci.sh    (LAYERS_SEEDS, LAYERS_FIRST,
#                                      LAYERS_BUDGET change it)
set -u
top=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/stress/ci-lib.sh"
stress_ci_start layers.py
# (The sanitizer pass: the command and the programs under the ASan
# runtime need toolslib.sh's wrapper.)
stress_ci_plain_only layers.py "its command and programs need toolslib.sh's wrapper under ASan"
tool=${UNION_CMD:-$(dirname "$(dirname "$(dirname "$lib")")")/tools/union}
seeds=${LAYERS_SEEDS:-4} first=${LAYERS_FIRST:-1} budget=${LAYERS_BUDGET:-15}
rc=0
for mode in "" --as-user --oci; do
	"$py" -B "$top/tests/stress/layers.py" --first-seed "$first" \
		--seeds "$seeds" --kills 1 --time-budget "$budget" --lib "$lib" \
		--tool "$tool" $mode || rc=1
done
exit "$rc"
