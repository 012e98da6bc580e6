#!/bin/bash
# unlink-twice: unlink of the same name twice (lower, upper, in three layers, in a lower-only directory): ok, then ENOENT; one whiteout.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step '"$TESTPROG/sysop" unlink "$M/f1" -- unlink "$M/f1" -- unlink "$M/both" -- unlink "$M/both" -- unlink "$M/fu" -- unlink "$M/fu" -- unlink "$M/d2/only2" -- unlink "$M/d2/only2"'
	step 'rm "$M/d/x2"; rm "$M/d/x2"; rm -f "$M/d/x2"; echo "rm -f: $?"; names "$M/d"'
	step 'names "$M"; names "$M/d2"'
}

check() {
	check_whiteout "$1" "$2" f1 both d2/only2 d/x2
	if [ "$1" = union ] && [ -z "$UN_HARNESS" ]; then
		local n
		n=$(whiteout_records "$2" | grep -c '^w ' || true)
		[ "$n" = 4 ] || fail "union: $n whiteout records, not 4: $(whiteout_records "$2" | tr '\n' ' ')"
	fi
	return 0
}

compare_kernel_union unlink-twice setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union unlink-twice-nobody setup action check
un_done
