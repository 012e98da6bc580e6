#!/bin/bash
# whiteout-index: a table big enough for the persistent index
# (UPPER/.union/index, preload/wt_index.c): the process that first reads
# it whole writes the index, the later ones map it and read only the
# records appended after it, and the view is the kernel's all along.
#
# 2,400 files removed in one process (the table passes WT_IX_MIN, 2048
# records); a listing (reads it whole, writes the index); then, each a
# new process that maps the index: more files removed past it, files made
# again over whiteouts the index holds (their `-` records must override
# it), an rm -rf of a directory whose records all lie in the index (rmdir
# cancels them: the table read whole first), a directory made again there
# (opaque), and listings after each.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	local d=$1 i
	mkdir -p "$d/upper"
	for i in 1 2 3 4 5 6 7 8 9; do
		mkdir -p "$d/lower1/d$i"
		(cd "$d/lower1/d$i" && touch $(seq -f "f%03g" 0 299) "sp ace")
	done
	fix_times "$d"
}

action() {
	step 'for i in 1 2 3 4 5 6 7 8; do rm "$M/d$i"/f*; done; ls "$M" | tr "\n" " "'
	step 'find "$M" | sort | md5sum; ls "$M/d1"'
	# (Outside the transcript: the listing wrote the index.)
	if [ "$UN_SIDE" = union ] && [ -f "$L/upper/.union/index" ]; then
		: >"$L/index-made"
	fi
	step 'rm "$M/d9"/f1*; ls "$M/d9" | wc -l; ls "$M/d1"; stat -c %n "$M/d2/f100" 2>&1 || true'
	step 'echo again >"$M/d2/f100"; : >"$M/d2/f200"; ls "$M/d2"; cat "$M/d2/f100"'
	step 'ls "$M/d2"; cat "$M/d2/f100"; stat -c "%n %s" "$M/d2/f200"; ls "$M/d3" "$M/d9" | wc -l'
	step 'rm -rf "$M/d3"; ls "$M" | tr "\n" " "; ls "$M/d3" 2>&1 || true'
	step 'mkdir "$M/d3"; ls -A "$M/d3"; ls "$M" | tr "\n" " "; find "$M" | sort | md5sum'
	step 'rm -rf "$M/d4" "$M/d2"; find "$M" | sort | md5sum; ls -A "$M/d3"; ls "$M/d9" | head -n 3'
}

check() {
	check_whiteout "$1" "$2" d1/f000 d9/f150 d4 d2
	check_opaque "$1" "$2" d3
	if [ "$1" = union ] && [ -z "$UN_HARNESS" ]; then
		[ -f "$2/index-made" ] ||
			fail "the listing wrote no index of the table"
		[ ! -e "$2/upper/.union/index.tmp" ] ||
			fail "index.tmp left behind"
	fi
}

compare_kernel_union whiteout-index setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union whiteout-index-nobody setup action check
un_done
