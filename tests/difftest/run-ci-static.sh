#!/bin/bash
# run-ci-static.sh - the differential tester with its driver built -static,
# so that every operation goes through the seccomp supervisor
# (tools/union-supervise, issue 12) instead of LD_PRELOAD: the driver is
# run by a one-line #!/bin/sh wrapper (a preloaded shell, whose exec of a
# static program the library hands to UNION_SUPERVISOR).  Every layout,
# DIFFTEST_STATIC_SEEDS seeds (default 20), as root and then as uid 65534
# who owns the layers; the classes of known-static.txt print KNOWN and do
# not fail.  About 25 s of CPU for each run with the defaults (2 cores).
#
# Exit status: 0 no mismatch, 1 a mismatch, 77 skipped (not root, no
# static libc, no supervisor built, no setpriv for the user's run).
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: difftest needs root for the kernel overlay"
	exit 77
fi
sv=${UNION_SUPERVISOR:-}
if [ -z "$sv" ]; then
	for d in "$PWD/tools/union-supervise" "$top/tools/union-supervise"; do
		if [ -x "$d" ]; then
			sv=$d
			break
		fi
	done
fi
if [ -z "$sv" ] || [ ! -x "$sv" ]; then
	echo "SKIP: no supervisor built (tools/union-supervise)"
	exit 77
fi

T=$(mktemp -d /tmp/difftest-static.XXXXXX)
trap 'rm -rf "$T"' EXIT
chmod 755 "$T"
# (No _FORTIFY_SOURCE, as the driver of local.mk: the plain calls.)
if ! ${CC:-cc} -static -O2 -D_GNU_SOURCE -U_FORTIFY_SOURCE \
	-o "$T/driver-static" "$here/driver.c" >"$T/cc.log" 2>&1; then
	echo "SKIP: cannot link the driver -static (libc6-dev's libc.a?): $(head -c 400 "$T/cc.log")"
	exit 77
fi
# made after the driver: difftest.py rebuilds a driver older than its
# source (here it would build a dynamic one over the wrapper)
printf '#!/bin/sh\nexec %s "$@"\n' "$T/driver-static" >"$T/driver"
chmod 755 "$T/driver" "$T/driver-static"

user_run=1
if ! command -v setpriv >/dev/null 2>&1; then
	echo "SKIP (the user's run): no setpriv (util-linux)"
	user_run=0
fi

run() {	# [1: as the user]
	DIFFTEST_DRIVER=$T/driver \
	UNION_SUPERVISOR=$sv \
	DIFFTEST_USER=${1:-} \
	DIFFTEST_SEEDS=${DIFFTEST_STATIC_SEEDS:-20} \
	DIFFTEST_MIN_SEEDS=${DIFFTEST_STATIC_SEEDS:-20} \
	DIFFTEST_BUDGET=${DIFFTEST_STATIC_BUDGET:-150} \
	DIFFTEST_KNOWN=${DIFFTEST_STATIC_KNOWN-$here/known-static.txt} \
	DIFFTEST_MAX_SHRINK=2 \
	DIFFTEST_REPRO_DIR=$PWD/difftest-repros-static${1:+-user} \
		bash "$here/run-ci.sh"
}

rc=0
run || rc=1
if [ $user_run = 1 ]; then
	run 1 || rc=1
fi
exit $rc
