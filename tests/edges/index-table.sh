#!/bin/bash
# index-table: the whiteout table's persistent index (UPPER/.union/index,
# preload/wt_index.c) is a cache that is never trusted: whatever is done
# to the table or to the index by hand, by another process or by a kill,
# every new process and every running one sees exactly what the table
# says.  As root, then as nobody over an upper of nobody's (nobody writes
# the index).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
UNION_TOOL=$PWD/tools/union
[ -x "$UNION_TOOL" ] || UNION_TOOL=$TOP_SRCDIR/tools/union

D=$T/d
M=$T/m
U=$D/upper
TBL=$U/.union/whiteouts
IX=$U/.union/index
WHO=()
in_union() { un_run "$M" "$U" "$D/lower" -- "${WHO[@]}" "$@"; }
# What the view shows: a line a directory (its count, first and last
# names), and any complaint.  (One ls a directory, the rest in the
# shell: the scenario looks ~60 times, each process under the sanitizer
# build's library ~40 ms of CPU.)
view() {
	in_union sh -c 'm=$1
	for d in d1 d2 d3 d4; do
		set -- $(ls "$m/$d" 2>/dev/null)
		first= last=
		[ $# = 0 ] || { first=$1; eval "last=\${$#}"; }
		printf "%s %s %s %s\n" $d $# "$first" "$last"
	done' sh "$M" 2>&1 | tr '\n' ' '
}
# (As view, with the index out of the way: the table read whole.)
view_whole() {
	local v
	[ -e "$IX" ] && mv "$IX" "$T/ix.aside"
	v=$(view)
	rm -f "$IX"
	[ -e "$T/ix.aside" ] && mv "$T/ix.aside" "$IX"
	printf '%s' "$v"
}
# Raise the lock file's generation (offset 8): what a writer does after
# its append, so that running processes read the table again.
bump() {
	"$PYTHON" - "$U/.union/lock" <<'PY'
import struct, sys
with open(sys.argv[1], 'r+b') as f:
    f.seek(8); g = struct.unpack('=Q', f.read(8))[0]
    f.seek(8); f.write(struct.pack('=Q', g + 1))
PY
}
# fresh [N]: lower d1..d4, 1000 files each; a table of 2,500 records
# (d1 all but f0999, all of d2, half of d3), or of N more in d4/x/.
fresh() {
	local n=${1:-0} d
	rm -rf "$D"
	mkdir -p "$U/.union"
	for d in d1 d2 d3 d4; do
		mkdir -p "$D/lower/$d"
		(cd "$D/lower/$d" && touch $(seq -f f%04g 0 999))
	done
	"$PYTHON" - "$TBL" "$n" <<'PY'
import sys
with open(sys.argv[1], 'w') as f:
    f.write('libunion-whiteouts 1\n')
    for i in range(999): f.write('w d1/f%04d\n' % i)
    for i in range(1000): f.write('w d2/f%04d\n' % i)
    for i in range(0, 1000, 2): f.write('w d3/f%04d\n' % i)
    for i in range(int(sys.argv[2])): f.write('w d4/x/%d\n' % i)
PY
	if [ "${OWNER:-root}" = nobody ]; then
		chown -R 65534:65534 "$U"
	fi
}
V0="d1 1 f0999 f0999 d2 0   d3 500 f0001 f0999 d4 1000 f0000 f0999 "

run_all() {
	local who=$1 v i
	echo "--- $who"
	fresh
	expect_eq "$who: the first process reads the table whole" "$V0" "$(view)"
	expect_true "$who: it wrote the index" test -f "$IX"
	expect_eq "$who: the next through the index" "$V0" "$(view)"

	# Appended by another process past the index: `-` records override
	# it, for a new process and for one that had mapped it already.
	drv_start in_union
	expect_eq "$who: a running process, through the index" \
		"ls $M/d1: ok f0999" "$(drv ls "$M/d1")"
	printf -- '- d1/f0500\nw d3/f0001\n- d2/f0007\n' >>"$TBL"
	bump
	expect_eq "$who: the running process sees the appended records" \
		"ls $M/d1: ok f0500 f0999" "$(drv ls "$M/d1")"
	expect_eq "$who: ... in d2 too" "ls $M/d2: ok f0007" "$(drv ls "$M/d2")"
	drv_stop || fail "$who: the running process died"
	v="d1 2 f0500 f0999 d2 1 f0007 f0007 d3 499 f0003 f0999 d4 1000 f0000 f0999 "
	expect_eq "$who: a new process sees them over the index" "$v" "$(view)"
	expect_eq "$who: ... as the table read whole says" "$v" "$(view_whole)"

	# Damaged by hand: ignored (the table read whole), never trusted.
	for how in magic version middle paths half empty garbage directory; do
		v=$(view)	# (a good index, written by the last whole read)
		[ -f "$IX" ] || in_union ls "$M" >/dev/null
		case $how in
		magic) printf 'UNWTIDX9' | dd of="$IX" conv=notrunc status=none ;;
		version) printf '\7' | dd of="$IX" bs=1 seek=8 conv=notrunc status=none ;;
		middle) printf 'zzzzzzzz' | dd of="$IX" bs=1 seek=1000 conv=notrunc status=none ;;
		paths) printf 'zzzz' | dd of="$IX" bs=1 seek=$(($(stat -c %s "$IX") - 4)) conv=notrunc status=none ;;
		half) truncate -s $(($(stat -c %s "$IX") / 2)) "$IX" ;;
		empty) : >"$IX" ;;
		garbage) head -c 300000 /dev/urandom >"$IX" ;;
		directory) rm -f "$IX"; mkdir "$IX" ;;
		esac
		expect_eq "$who: an index damaged ($how): the table's view" "$v" "$(view 2>&1)"
		rm -rf "$IX"
	done

	# The table cut short, and rewritten by hand (a new file, the epoch
	# left alone): the index of the old one is ignored.
	in_union ls "$M" >/dev/null
	expect_true "$who: an index again" test -f "$IX"
	head -n 1500 "$TBL" >"$T/tbl.new"
	cat "$T/tbl.new" >"$TBL"	# (in place: same inode, shorter)
	v="d1 1 f0999 f0999 d2 500 f0500 f0999 d3 1000 f0000 f0999 d4 1000 f0000 f0999 "
	expect_eq "$who: the table cut short in place" "$v" "$(view)"
	expect_eq "$who: ... as read whole" "$v" "$(view_whole)"
	in_union ls "$M" >/dev/null
	grep -v '^w d1/' "$TBL" >"$T/tbl.new"
	printf 'w d1/f0999\n' >>"$T/tbl.new"
	[ "${OWNER:-root}" = nobody ] && chown 65534:65534 "$T/tbl.new"
	mv "$T/tbl.new" "$TBL"
	v="d1 999 f0000 f0998 d2 500 f0500 f0999 d3 1000 f0000 f0999 d4 1000 f0000 f0999 "
	expect_eq "$who: the table replaced by hand" "$v" "$(view)"

	# A compaction (rm -rf cancels d2's records: most lines dead)
	# removes the index; the view is the table's.
	fresh
	in_union ls "$M" >/dev/null
	expect_true "$who: indexed" test -f "$IX"
	in_union rm -rf "$M/d2" "$M/d1"
	expect_true "$who: the compaction removed the index" test ! -e "$IX"
	expect_eq "$who: the table's view after it" \
		"d1 0   d2 0   d3 500 f0001 f0999 d4 1000 f0000 f0999 " "$(view)"

	# rmdir of a directory whose records all lie in the index.
	fresh
	in_union ls "$M" >/dev/null
	expect_eq "$who: rm -rf through the index" "d2 d3 d4 " \
		"$(in_union sh -c 'rm -rf "$1/d1" && ls "$1" | tr "\n" " "' sh "$M")"
	expect_eq "$who: ... the records below it cancelled" "0" \
		"$(grep -c '^w d1/' <(in_union true; "$PYTHON" -c '
import sys
live = {}
for l in open(sys.argv[1]).read().split("\n")[1:]:
    if l: live[l[2:]] = l[0]
print("\n".join(k[0] + " " + p for p, k in live.items() if k != "-"))' "$TBL") || true)"

	# `union commit` rewrites the table (empty): it removes the index.
	if [ "$who" = root ]; then
		fresh
		in_union ls "$M" >/dev/null
		expect_true "$who: indexed before the commit" test -f "$IX"
		"$UNION_TOOL" commit -l "$D/lower" "$U" >/dev/null
		expect_true "$who: union commit removed the index" test ! -e "$IX"
		expect_eq "$who: the view after the commit" "$V0" "$(view)"
	fi

	# kill -9 while the index is written (a big table: a longer write):
	# the old index or the new one, or none; index.tmp never read.
	fresh 100000
	v=$(view)
	# (timeout kills ls itself and waits for it: a kill of $! after
	# `in_union ls &` hit the function's subshell, left ls running,
	# and could hit another process that had the number since.)
	for i in 1 2 3 4 5 6 7 8 9; do
		rm -f "$IX"
		in_union timeout -s KILL "0.0$i" ls "$M/d1" >/dev/null || true
		expect_eq "$who: killed after 0.0${i}s: the view" "$v" "$(view)"
	done
	expect_true "$who: an index after it all" test -f "$IX"
}

run_all root
if is_root; then
	WHO=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
	OWNER=nobody run_all nobody
fi
un_done
