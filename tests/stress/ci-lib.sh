# ci-lib.sh: the preamble of the stress testers' bounded runs
# (run-ci.sh, progs-ci.sh, layers-ci.sh), sourced after setting top:
# LIBUNION's default, the python to run, and root (the kernel overlay is
# the reference): a SKIP otherwise.
#   stress_ci_start TESTER      (TESTER: the .py's name, for the SKIP)
# sets py, and lib: the library itself (in a sanitizer build LIBUNION is
# "RUNTIME LIB", tests/integration/local.mk).
#   stress_ci_plain_only TESTER WHY
# a SKIP in CI's sanitizer pass (UN_UNION_ONLY=1), for a tester whose
# programs cannot run under the ASan runtime; WHY says so, and the plain
# pass runs the tester on the same code.
stress_ci_start() {
	: "${LIBUNION:=$top/preload/.libs/libunion.so}"
	py=/usr/bin/python3
	[ -x "$py" ] || py=python3
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: $1 needs root for the kernel overlay"
		exit 77
	fi
	lib=${LIBUNION##* }
}

stress_ci_plain_only() {
	if [ "${UN_UNION_ONLY:-0}" = 1 ]; then
		echo "SKIP: $1 in the sanitizer pass ($2; the plain pass runs it)"
		exit 77
	fi
}
