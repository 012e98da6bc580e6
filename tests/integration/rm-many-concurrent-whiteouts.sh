#!/bin/bash
# rm-many-concurrent-whiteouts: a table of about 850 records written by 8
# processes at once, each later process loading it whole.
#
# Every step is a new process (or several) that loads UPPER/.union/whiteouts
# from the file (wt_map.c: one read, the keys decoded in place, a slot per
# record), while others append: 8 `rm` at once whiteout half the files of
# 16 lower directories (names with a space and a backslash among them: the
# escaped records), 4 `rm -rf` at once remove 8 of those directories
# (their records cancelled), and then the view is listed and stat'ed, a
# removed directory made again (opaque), another made and removed again.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	local d=$1 i j
	mkdir -p "$d/upper"
	for i in $(seq -w 1 16); do
		mkdir -p "$d/lower1/d$i"
		for j in $(seq -w 1 40); do
			: >"$d/lower1/d$i/f$j"
		done
		: >"$d/lower1/d$i/sp ace"
		: >"$d/lower1/d$i/back\\slash"
	done
	fix_times "$d"
}

# 8 writers at once, 2 directories each: every even-numbered file, and
# the escaped names in odd directories.
RM_HALF='for w in 0 1 2 3 4 5 6 7; do
	( for k in 1 2; do
		i=$(printf %02d $((w * 2 + k)))
		rm -f "$M/d$i"/f?[02468]
		[ $((10#$i % 2)) = 1 ] && rm -f "$M/d$i/sp ace" "$M/d$i/back\\slash"
	done ) &
done; wait; echo done'
RM_DIRS='for w in 0 1 2 3; do
	( for k in 1 2; do rm -rf "$M/d$(printf %02d $((w * 4 + k * 2)))"; done ) &
done; wait; echo done'

action() {
	step "$RM_HALF"
	step 'find "$M" | sort | md5sum; find "$M" -type f | wc -l'
	step 'ls "$M/d03"; stat -c "%n %s" "$M/d03/f01" "$M/d03/f02" "$M/d03/sp ace" "$M/d04/sp ace"'
	step "$RM_DIRS"
	step 'ls "$M"; find "$M" | sort | md5sum; ls "$M/d05" | wc -l'
	step 'mkdir "$M/d02"; : >"$M/d02/new"; ls -A "$M/d02"; ls "$M/d15" | head -n 3'
	# opaque, then removed again: the last record ("w d04") wins
	step 'mkdir "$M/d04"; : >"$M/d04/x"; rm -rf "$M/d04"; ls "$M" | tr "\n" " "; ls "$M/d04"'
}

check() {
	check_whiteout "$1" "$2" d04 d16 d01/f02 "d01/sp ace" "d03/back\\slash"
	check_opaque "$1" "$2" d02
	if [ "$1" = union ] && [ -z "$UN_HARNESS" ]; then
		# The removed directories' own records were cancelled.
		[ "$(whiteout_records "$2" | grep -c '^w d04/')" = 0 ] ||
			fail "records below a removed directory are still live"
	fi
}

compare_kernel_union rm-many-concurrent-whiteouts setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union rm-many-concurrent-whiteouts-nobody setup action check
un_done
