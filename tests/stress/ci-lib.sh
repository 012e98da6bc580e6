# ci-lib.sh: the preamble of the stress testers' bounded runs
# (run-ci.sh, progs-ci.sh), sourced after setting top: LIBUNION's
# default, the python to run, and root (the kernel overlay is the
# reference): a SKIP otherwise.
#   stress_ci_start TESTER      (TESTER: the .py's name, for the SKIP)
stress_ci_start() {
	: "${LIBUNION:=$top/preload/.libs/libunion.so}"
	py=/usr/bin/python3
	[ -x "$py" ] || py=python3
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: $1 needs root for the kernel overlay"
		exit 77
	fi
}
