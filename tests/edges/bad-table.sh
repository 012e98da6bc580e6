#!/bin/bash
# bad-table: the whiteout table (and its lock file) cut short, garbled, of another version, a directory or a symlink: at a process's first look into the union (where the table is opened) a clear error naming the file and status 125; in a running process the call fails (no crash, no record dropped).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done

D=$T/d
M=$T/m
U=$D/upper
TBL=$U/.union/whiteouts
LCK=$U/.union/lock
fresh() {
	rm -rf "$D"
	mkdir -p "$U" "$D/lower"
	for n in a b c d e; do echo "$n" >"$D/lower/$n"; done
	un_run "$M" "$U" "$D/lower" -- rm "$M/a"	# the table holds "w a"
}
in_union() { un_run "$M" "$U" "$D/lower" -- "$@"; }
view() { in_union ls "$M" 2>&1 | tr '\n' ' '; }

# refuses WHAT NAMED: a new process refuses to go on at its first look
# into the union (the table is opened then, not at start: a process that
# never looks pays nothing for it): status 125, a line naming NAMED,
# nothing after it run.
refuses() {
	local what=$1 named=$2 rc=0
	in_union sh -c 'ls "$1" && echo ran' sh "$M" >"$T/out" 2>"$T/err" || rc=$?
	if [ "$rc" = 125 ] && [ ! -s "$T/out" ] && grep -qF "libunion: $named" "$T/err"; then
		echo "ok: $what: refused at the first look ($(head -n1 "$T/err"))"
	else
		fail "$what: expected status 125, no output and a line naming $named; got status $rc, out '$(cat "$T/out")', err '$(cat "$T/err")'"
	fi
}

# At start.
fresh
printf 'w par' >>"$TBL"
expect_eq "a last line without its newline (a killed append) is ignored" "b c d e " "$(view)"
in_union rm "$M/b"
expect_eq "the next writer cuts it and appends" "libunion-whiteouts 1
w a
w b" "$(cat "$TBL")"

fresh; echo "x garbage" >>"$TBL"; refuses "an unknown operation" "$TBL: corrupt at line 3"
fresh; printf 'w b\\xZZ\n' >>"$TBL"; refuses "a bad escape" "$TBL: corrupt at line 3"
fresh; printf 'w b c\n' >>"$TBL"; refuses "an unescaped space" "$TBL: corrupt at line 3"
fresh; printf 'w ../etc\n' >>"$TBL"; refuses "a '..' component" "$TBL: corrupt at line 3"
fresh; printf 'w /abs\n' >>"$TBL"; refuses "an absolute path" "$TBL: corrupt at line 3"
fresh; printf '\n' >>"$TBL"; refuses "a blank line" "$TBL: corrupt at line 3"
fresh; printf 'libunion-whiteouts 2\nw a\n' >"$TBL"; refuses "another version" "$TBL: corrupt at line 1"
fresh; printf 'something else\n' >"$TBL"; refuses "another header" "$TBL: corrupt at line 1"
fresh; rm "$TBL"; mkdir "$TBL"; refuses "the table a directory" "$TBL: not a regular file"
fresh; rm "$TBL"; ln -s /etc/passwd "$TBL"; refuses "the table a symlink" "$TBL: not a regular file"
fresh; echo garbage >"$LCK"; refuses "the lock file garbled" "$LCK: not a libunion lock file"
fresh; rm "$LCK"; mkdir "$LCK"; refuses "the lock file a directory" "$LCK: not a regular file"

# In a running process: the table garbled, or replaced by a directory,
# under it.  Its next change must fail with an error (naming the file on
# stderr), not crash and not go on as if nothing were wrong; records the
# file held stay (once repaired, the view is what it was).
for how in garbled directory truncated-mid-record cut-short; do
	fresh
	drv_start in_union
	expect_eq "$how: the running process sees the table" "ls $M: ok b c d e" "$(drv ls "$M")"
	cp "$TBL" "$T/table.good"
	case $how in
	garbled) printf 'x garbage\n' >>"$TBL" ;;
	directory) rm "$TBL" && mkdir "$TBL" ;;
	truncated-mid-record)
		# a record cut in the middle of its escape, then a whole one
		# after it (a writer that did not follow the protocol)
		printf 'w b\\x4\nw c\n' >>"$TBL" ;;
	cut-short)
		# the file cut in the middle of its last record ("w a"):
		# a record this process and the file had is gone
		truncate -s -2 "$TBL" ;;
	esac
	# another process of the union writes (its generation bump makes
	# the running one look at the file again)
	in_union rm "$M/d" >/dev/null 2>&1 || true
	out=$(drv rm "$M/e")
	case $out in
	"rm $M/e: ok")
		fail "$how: the running process deleted e as if the table were fine"
		;;
	"rm $M/e: "E*) echo "ok: $how: the running process's change fails: ${out#*: }" ;;
	*) fail "$how: the running process: $out" ;;
	esac
	out=$(drv ls "$M")
	case $out in
	"ls $M: ok b c d e" | "ls $M: ok b c e" | "ls $M: E"*) echo "ok: $how: then it lists: ${out#*: }" ;;
	*) fail "$how: the running process lists after the damage: $out (a dropped record?)" ;;
	esac
	rc=0
	drv_stop || rc=$?
	[ "$rc" = 0 ] || fail "$how: the running process ended with status $rc (a crash?)"
	grep -qF "$TBL" "$DRV_ERR" ||
		fail "$how: nothing on stderr names the table: $(cat "$DRV_ERR")"
	# Repaired, the records are all there.
	rm -rf "$TBL"
	cp "$T/table.good" "$TBL"
	expect_eq "$how: repaired, the table's records hold" "b c d e " "$(view)"
done
un_done
