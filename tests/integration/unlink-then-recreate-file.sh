#!/bin/bash
# unlink-then-recreate-file: a lower file deleted and made again: the new content and mode only, nothing of the lower file (size, mode, xattrs).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop
need_cmd setfattr getfattr

setup() {
	make_small_tree "$1"
	setfattr -n user.old -v lower "$1/lower1/f1"
}

action() {
	step 'rm "$M/f1"; echo new > "$M/f1"; show "$M/f1"; getfattr -d "$M/f1"; echo "(no xattrs above)"'
	step 'rm "$M/d/x2"; touch "$M/d/x2"; st "$M/d/x2"; cat "$M/d/x2"; echo end'
	step 'rm "$M/ro"; umask 077; echo fresh > "$M/ro"; show "$M/ro"'
	step 'rm "$M/exe"; printf "%s" "#!" > "$M/exe"; st "$M/exe"; rm "$M/both"; echo b > "$M/both"; rm "$M/both"; cat "$M/both"; echo c > "$M/both"; show "$M/both"'
}

check() {
	local n
	for n in f1 d/x2 ro exe both; do
		[ -f "$2/upper/$n" ] || fail "$1: upper/$n is not a regular file"
	done
	if [ "$1" = union ]; then
		whiteout_records "$2" | grep -E '^w (f1|d/x2|ro|exe|both)$' &&
			fail "union: whiteout records left under names made again"
	fi
	return 0
}

compare_kernel_union unlink-then-recreate-file setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union unlink-then-recreate-file-nobody setup action check
un_done
