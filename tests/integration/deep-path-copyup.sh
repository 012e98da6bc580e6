#!/bin/bash
# deep-path-copyup: copy-up of a file ten directories deep in a lower: every parent copied up with its mode, owner, times and xattrs.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
need_cmd setfattr getfattr

setup() {
	local l=$1/lower2 p i modes=(755 705 775 745 715 755 735 765 725 757)
	mkdir -p "$1/upper" "$1/lower1"
	mkf "$1/lower1/top" 644 top
	p=$l
	for i in 0 1 2 3 4 5 6 7 8 9; do
		p=$p/l$i
		mkdir -p "$p"
	done
	mkf "$p/leaf" 604 "the leaf"
	p=$l
	for i in 0 1 2 3 4 5 6 7 8 9; do
		p=$p/l$i
		chmod "${modes[i]}" "$p"
		[ "${UN_AS:-root}" = root ] && chown "$((1000 + i)):$((2000 + i))" "$p"
	done
	setfattr -n user.level -v three "$l/l0/l1/l2/l3"
	setfattr -n user.level -v nine "$p"
	# Times, deepest first (older than 2005: fix_times keeps them).
	touch -d "2000-05-05 05:05:05.5" "$p/leaf"
	for ((i = 9; i >= 0; i--)); do
		touch -d "2001-01-0$((i % 9 + 1)) 0$i:00:00.$i$i$i" "$p"
		p=${p%/*}
	done
}

P='l0/l1/l2/l3/l4/l5/l6/l7/l8/l9'
export P

action() {
	step 'echo appended >> "$M/$P/leaf"; cat "$M/$P/leaf"; stat -c "%n %a" "$M/$P/leaf"'
	step 'p=$M; for c in ${P//\// }; do p=$p/$c; stat -c "%n %a %y" "$p"; done'
	step 'if [ "$(id -u)" = 0 ]; then p=$M; for c in ${P//\// }; do p=$p/$c; stat -c "%n %u:%g" "$p"; done; fi'
	step 'getfattr -d "$M/l0/l1/l2/l3" "$M/$P"'
}

# The parents really are in the upper, with the lower's metadata.
check() {
	local p=$2/upper i
	for i in 0 1 2 3 4 5 6 7 8 9; do
		p=$p/l$i
		[ -d "$p" ] || { fail "$1: upper/${p#"$2/upper/"} is not a directory"; return; }
	done
	[ "$(stat -c %a "$2/upper/l0/l1" 2>&1)" = 705 ] || fail "$1: upper/l0/l1 has mode $(stat -c %a "$2/upper/l0/l1" 2>&1)"
}

compare_kernel_union deep-path-copyup setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union deep-path-copyup-nobody setup action check
un_done
