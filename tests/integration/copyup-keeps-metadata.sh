#!/bin/bash
# copyup-keeps-metadata: copy-up keeps mode, times to the nanosecond, xattrs, sparseness; parents keep theirs.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_cmd setfattr getfattr

setup() {
	local l=$1/lower1
	make_small_tree "$1"
	mkf "$l/meta" 604 "meta content"
	setfattr -n user.m1 -v v1 "$l/meta"
	setfattr -n user.m2 -v v2 "$l/meta"
	truncate -s 10M "$l/sparse"
	printf head | dd of="$l/sparse" conv=notrunc status=none
	printf tail | dd of="$l/sparse" bs=1 seek=$((10 * 1024 * 1024 - 4)) conv=notrunc status=none
	mkdir -p "$l/md/inner-dir"
	mkf "$l/md/inner" 604 "inner"
	chmod 705 "$l/md"
	setfattr -n user.dx -v dirattr "$l/md"
	touch -h -d "2001-02-03 04:05:06.123456789" "$l/meta"
	touch -a -d "2002-03-04 05:06:07.987654321" "$l/meta"
	touch -d "2003-01-01 00:00:00.5" "$l/sparse" "$l/md/inner"
	touch -d "1999-12-31 23:59:59.999999999" "$l/md" "$l/md/inner-dir"
}

action() {
	step ': >> "$M/meta"; stat -c "%n %a %s %y" "$M/meta"; getfattr -d "$M/meta"'
	step ': >> "$M/sparse"; stat -c "%n %s %y" "$M/sparse"; b=$(stat -c %b "$M/sparse"); [ "$b" -lt 4096 ] && echo "still sparse" || echo "NOT sparse: $b blocks"; tail -c 4 "$M/sparse"; echo; head -c 4 "$M/sparse"; echo'
	step ': >> "$M/md/inner"; stat -c "%n %a %y" "$M/md" "$M/md/inner" "$M/md/inner-dir"; getfattr -d "$M/md"'
	step 'touch "$M/md/inner-dir/new"; stat -c "%n %a %y" "$M/md/inner-dir/new" >/dev/null; stat -c "%n %a" "$M/md/inner-dir"; stat -c "%n %a %y" "$M/md"'
	step 'setfattr -n user.more -v 1 "$M/meta"; getfattr -d "$M/meta"; stat -c "%n %a %y" "$M/meta"'
	step 'cp --preserve=all "$M/meta" "$M/meta-copy"; stat -c "%n %a %y" "$M/meta-copy"; getfattr -d "$M/meta-copy"'
}

check() {
	local side=$1 d=$2
	[ "$(stat -c %y "$d/upper/meta" 2>&1)" = "2001-02-03 04:05:06.123456789 +0000" ] ||
		fail "$side: upper/meta has mtime $(stat -c %y "$d/upper/meta" 2>&1)"
	[ "$(stat -c %b "$d/upper/sparse" 2>/dev/null || echo 99999)" -lt 4096 ] ||
		fail "$side: upper/sparse is not sparse"
	if [ "$side" = union ] && [ -d "$d/upper/.union/work" ] &&
		[ -n "$(ls -A "$d/upper/.union/work")" ]; then
		fail "union: copy-up leftovers in upper/.union/work: $(ls -A "$d/upper/.union/work")"
	fi
}

compare_kernel_union copyup-keeps-metadata setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union copyup-keeps-metadata-nobody setup action check
un_done
