#!/bin/bash
# watch-tail-f-copyup-race: `tail -F` (and `tail -f`) of a lower file
# never reports the file's copy-up as a replacement.  tail keeps the
# st_dev/st_ino it read at its start and compares them with a fresh
# open of the name at each check (at its start once its watches are set,
# at an IN_ATTRIB of the file, an event naming it); the copy-up changes
# the file's st_ino (DESIGN.md), so a check after it printed "has been
# replaced;  following new file" and the whole file again (session 16's
# CI: the append that copies the file up landed between tail's first
# output and its watches, under load).  The kernel overlay keeps a
# copied-up file's st_ino (one file system) and tail polls there.
# Made certain: (1) the copy-up lands before tail's watches, its
# inotify_add_watch calls held by strace's delay; (2) a touch after the
# copy-up (an IN_ATTRIB, a check); root and nobody.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_cmd tail
need_strace_delay inotify_add_watch

setup() {
	local f
	mkd "$1/lower1/logs" 755
	for f in logs/held.log logs/touched.log held touched; do
		mkf "$1/lower1/$f" 644 "$f 1"
	done
	mkd "$1/upper" 755
}

# As watch-tail-f's follow, with TAIL_DELAY: tail's inotify_add_watch
# held that long (µs) from its entry, the first append made meanwhile
# (tail has printed its start: its watches come after); TAIL_TOUCH=1: a
# touch of the file after the first append is printed.  The appends are
# other processes, the waits bounded (30 s each).
follow() {
	stepx <<'SH'
UN_WAIT_SECS=30
set -- $TAIL_HOW
out=$T/home/tail.$$
cd "$M"
# (tail's own pid, not strace's: strace killed leaves tail running.)
strace -qq -o /dev/null -e trace=inotify_add_watch \
	-e inject=inotify_add_watch:delay_enter=$TAIL_DELAY \
	sh -c 'echo $$ >"$0.pid"; exec tail -s 0.1 -n 1 "$@"' "$out" $1 "$2" \
	>"$out" 2>&1 &
spid=$!
trap 'kill $pid $spid 2>/dev/null' EXIT
waitfor test -s "$out"
pid=$(cat "$out.pid")
sh -c 'echo "appended 2" >> "$1"' sh "$2"
waitfor printed "$out" "appended 2"
if [ "$TAIL_TOUCH" = 1 ]; then
	touch "$2"
	sh -c 'echo "appended 3" >> "$1"' sh "$2"
	waitfor printed "$out" "appended 3"
fi
sh -c 'echo "appended 4" >> "$1"' sh "$M/$2"
waitfor printed "$out" "appended 4"
kill $pid
wait $spid || true
# (waited for, their numbers may be other processes': no kill at exit)
trap - EXIT
echo "tail $TAIL_HOW:"
cat "$out"
SH
}

action() {
	# (A lower file each: the first append copies it up.)
	TAIL_HOW="-F logs/held.log" TAIL_DELAY=1000000 TAIL_TOUCH=0 follow
	TAIL_HOW="-F logs/touched.log" TAIL_DELAY=1 TAIL_TOUCH=1 follow
	TAIL_HOW="-f held" TAIL_DELAY=1000000 TAIL_TOUCH=0 follow
	TAIL_HOW="-f touched" TAIL_DELAY=1 TAIL_TOUCH=1 follow
}
export TAIL_HOW TAIL_DELAY TAIL_TOUCH

compare_kernel_union watch-tail-f-copyup-race setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 \
	compare_kernel_union watch-tail-f-copyup-race-nobody setup action
un_done
