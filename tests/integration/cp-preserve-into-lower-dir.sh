#!/bin/bash
# cp-preserve-into-lower-dir: cp -p, cp --preserve=all and cp -rp into lower-only directories: copies with modes, times and xattrs; the directories copied up.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
need_cmd setfattr getfattr

setup() {
	make_small_tree "$1"
	touch -d "2001-01-01 01:01:01.111111111" "$1/lower2/exe"
	setfattr -n user.k -v kept "$1/lower1/f1"
	touch -d "2002-02-02 02:02:02" "$1/lower1/f1" "$1/lower1/d/x1"
}

action() {
	step 'cp -p "$M/exe" "$M/d2/deeper/"; stat -c "%n %a %y" "$M/d2/deeper/exe"; stat -c "%n %a" "$M/d2/deeper"; names "$M/d2/deeper"'
	step 'cp --preserve=all "$M/f1" "$M/d2/f1copy"; stat -c "%n %a %y" "$M/d2/f1copy"; getfattr -d "$M/d2/f1copy"'
	step 'cp -rp "$M/d" "$M/e2/dcopy"; find "$M/e2/dcopy" -printf "%m %y %P\n" | sort -k3; stat -c "%n %y" "$M/e2/dcopy/x1"'
	step 'cp -p "$M/f2" "$M/d/x2"; show "$M/d/x2"; stat -c "%n %y" "$M/d/x2"'
}

compare_kernel_union cp-preserve-into-lower-dir setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union cp-preserve-into-lower-dir-nobody setup action
un_done
