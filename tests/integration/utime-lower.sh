#!/bin/bash
# utime-lower: utime, utimes, futimesat and utimensat with explicit times on lower files and directories: copied up with exactly those times.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

# calls sysop does not make, through libc with ctypes (tests/prog/callc.py)
cp "$TOP_SRCDIR/tests/prog/callc.py" "$T/callc.py"

setup() { make_small_tree "$1"; }

action() {
	step '"$PYTHON" "$T/callc.py" utime "$M/f1" ub:1000000000 -- utimes "$M/f2" tv:1100000000 -- futimesat "dir:$M/d" x2 tv:1200000000 -- futimesat AT_FDCWD "$M/d/x1" tv:1250000000 -- utimensat AT_FDCWD "$M/exe" ts:1300000000 0; stat -c "%n %X %Y" "$M/f1" "$M/f2" "$M/d/x2" "$M/d/x1" "$M/exe"'
	step '"$PYTHON" "$T/callc.py" utimes "$M/d2" tv:1400000000 -- utime "$M/d2/deeper" ub:1450000000 -- utimensat "dir:$M/d2" deeper/z ts:1500000000 0; stat -c "%n %X %Y" "$M/d2" "$M/d2/deeper" "$M/d2/deeper/z"; names "$M/d2"'
	step '"$PYTHON" "$T/callc.py" utime "$M/nope" ub:1 -- utimes "$M/f1/x" tv:1 -- utimensat "dir:$M/d" nope ts:1 0 -- utimensat AT_FDCWD "$M/link-f1" ts:1550000000 256; stat -c "%n %Y" "$M/link-f1" "$M/f1"'
	# Times of "now" differ between the two runs: shown as "now".
	stepx <<'STEP'
touch -m -d @1560000000 "$M/ro"; touch -a -d @1570000000 "$M/both"; stat -c "%n %X %Y" "$M/ro" "$M/both" | awk '{ for (i = 2; i <= 3; i++) if ($i > 1700000000) $i = "now"; print }'
STEP
}

compare_kernel_union utime-lower setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union utime-lower-nobody setup action
un_done
