#!/bin/bash
# touch-r-lower: touch -r with lower files and directories as reference and target: nanosecond times copied, targets copied up, new files made.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	make_small_tree "$1"
	touch -h -d "2001-02-03 04:05:06.123456789" "$1/lower2/d/x2"
	touch -d "1999-09-09 09:09:09.000000009" "$1/lower2/d2/deeper"
}

action() {
	step 'touch -r "$M/d/x2" "$M/f1"; stat -c "%n %y" "$M/f1" "$M/d/x2"; [ "$(stat -c %X "$M/f1")" = "$(stat -c %X "$M/d/x2")" ] && echo "f1: the atime of x2"'
	step 'touch -r "$M/d2/deeper" "$M/e1"; touch -r "$M/d2/deeper" "$M/both"; stat -c "%n %y" "$M/e1" "$M/both" "$M/d2/deeper"'
	step 'touch -m -r "$M/d/x2" "$M/d2/deeper/z"; stat -c "%n %y" "$M/d2/deeper/z" "$M/d2/deeper"'
	step 'touch -r "$M/d/x2" "$M/newfile"; stat -c "%n %y" "$M/newfile"; touch -r "$M/nope" "$M/f2"; stat -c "%n %y" "$M/f2"'
}

compare_kernel_union touch-r-lower setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union touch-r-lower-nobody setup action
un_done
