#!/bin/bash
# table-open-calls: the tables' open at a process's first lookup, in system calls (issue 13: every compiler process under make pays it): no open of .union/index for a table too small to have one, the lock file's descriptor closed once mapped and the table's once read (a reader needs only the mapping until the generation moves), no futex for the directory cache's key; and a process started so still writes under the flock, catches up with another's changes, and a second writer after it sees both.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_no_sanitizer "the ASan runtime makes system calls of its own"
need_strace
command -v python3 >/dev/null || skip "python3 is not installed"

M=$T/m
mkdir -p "$T/u/up" "$T/l/low"
for f in a b c d; do echo "$f" >"$T/l/low/$f"; done
lowers_snapshot "$T/l"
# The table made by a first process.
(cd "$T" && un_run "$M" "$T/u" "$T/l" -- stat "$M/low/a") >/dev/null
[ -f "$T/u/.union/whiteouts" ] || fail "no table after the first process"

# trace NAME CMD...: strace -f of CMD in the union into $T/NAME.
trace() {
	local name=$1
	shift
	(cd "$T" && count_calls "$T/$name" "$M" "$T/u" "$T/l" -- "$@") \
		>/dev/null 2>&1 || true
}
count() { grep -c "$1" "$2" || true; }

trace reader /usr/bin/stat -c %s "$M/low/a"
[ -s "$T/reader" ] || fail "no trace of the reader"
expect_eq "reader: the table opened" 1 \
	"$(count 'open[a-z]*(AT_FDCWD, "[^"]*/\.union/whiteouts"' "$T/reader")"
expect_eq "reader: opens of the index (a small table has none)" 0 \
	"$(count '/\.union/index"' "$T/reader")"
# The lock file's descriptor: closed, not moved out of the way.
lfd=$(sed -n 's|.*open[a-z]*(AT_FDCWD, "[^"]*/\.union/lock", .*) = \([0-9]*\)$|\1|p' \
	"$T/reader" | head -n1)
[ -n "$lfd" ] || fail "reader: the lock file was not opened"
expect_eq "reader: F_DUPFD of the lock file's descriptor" 0 \
	"$(count "fcntl($lfd, F_DUPFD" "$T/reader")"
# Nor the table's: read, and closed (a catch-up opens it again).
expect_eq "reader: descriptors moved out of the way (F_DUPFD)" 0 \
	"$(count "F_DUPFD" "$T/reader")"
# (Its first use after the open: the close, before the number is reused.)
expect_eq "reader: the lock file's descriptor closed" "close" \
	"$(awk -v fd="$lfd" '
		/\/\.union\/lock"/ { on = 1; next }
		on && index($0, "close(" fd ")") { print "close"; exit }
		on && / = [0-9]+$/ && $NF == fd { print "reused"; exit }
	' "$T/reader")"
expect_eq "reader: futex calls" 0 "$(count 'futex(' "$T/reader")"

# A process that opened the table so writes under the flock.
trace writer rm "$M/low/b"
expect_eq "writer: flock taken" 1 "$(count 'flock([0-9]*, LOCK_EX)' "$T/writer")"
expect_eq "writer: b gone from the view" "no" \
	"$(cd "$T" && un_run "$M" "$T/u" "$T/l" -- sh -c \
		"[ -e '$M/low/b' ] && echo yes || echo no")"

# A long-running process started the fast way: another process's change
# reaches it, its own change goes after that one, and a third process
# sees both.
drv_start un_run "$M" "$T/u" "$T/l" --
expect_eq "driver: c before" "stat $M/low/c: ok f" "$(drv stat "$M/low/c")"
(cd "$T" && un_run "$M" "$T/u" "$T/l" -- rm "$M/low/c") ||
	fail "the other process's rm failed"
expect_eq "driver: c after the other's rm" "stat $M/low/c: ENOENT" \
	"$(drv stat "$M/low/c")"
expect_eq "driver: rm d" "rm $M/low/d: ok" "$(drv rm "$M/low/d")"
drv_stop || fail "the driver failed"
expect_eq "the records" "w low/b
w low/c
w low/d" "$(table_records "$T/u")"
expect_eq "a third process's listing" "a" \
	"$(cd "$T" && un_run "$M" "$T/u" "$T/l" -- ls "$M/low")"
lowers_check
un_done
