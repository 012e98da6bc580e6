#!/bin/bash
# rename-merged-dir-exdev-with-mv: rename of a directory merged from three layers, with deletions and an opaque subdirectory in it: EXDEV, then mv copies exactly what is visible, modes and times kept.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	make_small_tree "$1"
	mkf "$1/lower2/m/from2" 640 from2
	mkf "$1/lower2/m/gone" 644 "deleted before the move"
	mkf "$1/lower2/m/op/hidden" 644 "under an opaque directory"
	mkf "$1/lower1/m/from1" 604 from1
	mkd "$1/lower1/m/sub1" 750
	mkf "$1/lower1/m/sub1/s" 644 s
	mkf "$1/upper/m/fromu" 644 fromu
	chmod 705 "$1/lower2/m" "$1/lower1/m" "$1/upper/m"
	touch -d "2001-01-01 00:00:00" "$1/lower1/m/from1"
	if [ "${UN_AS:-root}" = nobody ]; then
		chmod 644 "$1/lower2/m/from2"
		chmod 755 "$1/lower1/m/sub1"
	fi
}

action() {
	step 'rm "$M/m/gone"; rm -r "$M/m/op"; mkdir "$M/m/op"; echo fresh > "$M/m/op/new"; find "$M/m" | sort'
	step '"$TESTPROG/sysop" rename "$M/m" "$M/m2" -- rename "$M/m" "$M/d2/m" -- renameat2 "$M/m" "$M/m3" noreplace'
	step 'mv "$M/m" "$M/moved"; find "$M/moved" -printf "%m %y %P\n" | sort -k3; stat -c "%n %y" "$M/moved/from1"; ls "$M/m"'
	step 'test -e "$M/moved/gone" || echo "gone stays gone"; test -e "$M/moved/op/hidden" || echo "hidden stays hidden"; cat "$M/moved/op/new"; mv "$M/moved" "$M/m"; find "$M/m" | sort'
}

check() { check_opaque "$1" "$2" m; }

compare_kernel_union rename-merged-dir-exdev-with-mv setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union rename-merged-dir-exdev-with-mv-nobody setup action check
un_done
