#!/bin/bash
# copyup-killed-staging-swept: a copy-up killed between its staging and
# its rename into place leaves its staged copy in UPPER/.union/work
# (a file, or a directory that may hold names); the next process that
# copies up removes it (preload/work_sweep.c) -- but never the staging
# of a LIVE process: one held mid-stage in this PID namespace, one
# stopped by SIGSTOP in the middle of a big copy, one held in another
# PID namespace (unshare -pf, its pid one that no process of ours has),
# each of whose copy-ups finishes once let go.  Made certain by strace:
# the rename of each staged copy held at its entry (the killed ones:
# killed there).  Another boot's staging goes only once its ctime is
# before the boot (a sweeper in a time namespace); session 16's names
# stay (a day's margin).  Breaking any test of work_sweep.c's judge
# (the kill(PID, 0), the namespace's, the boot's ctime) fails a pass.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_strace_delay renameat2

staged() { ls -A "$1/upper/.union/work" | grep '^cu\.' | sort || true; }

# held LOG TARGET SECONDS CMD...: CMD (under $run) traced, its renames
# into TARGET held SECONDS at their entry, in the background (pid in
# held_pid); back once the rename is held.
held() {
	local log=$1 target=$2 secs=$3 i=0
	shift 3
	rm -f "$log"
	$run strace -D -f -qq -o "$log" -P "$target" \
		-e trace=rename,renameat,renameat2 \
		-e inject=rename,renameat,renameat2:delay_enter=${secs}000000 \
		"$@" >"$log.out" 2>&1 &
	held_pid=$!
	UN_BG_PIDS+=("$held_pid")
	while ! grep -q rename "$log" 2>/dev/null && [ $i -lt 600 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	grep -q rename "$log" || fail "$who: $target's rename was not held: $(cat "$log.out")"
}

# killed LOG TARGET CMD...: CMD's copy-up into TARGET killed (SIGKILL)
# between its staging and its rename.
# (strace, run detached: -D, its tracee the shell's child, is killed
# too once the tracee has its SIGKILL: it would otherwise sleep out the
# hold's 30 s before it let the tracee die, 120 s of the scenario's
# wall.  The tracee dies as it is let go, the rename not made; a
# tracee of strace's own, not detached, would be a zombie of init's,
# alive to the sweep's kill(PID, 0), where init does not reap.)
killed() {
	local log=$1 target=$2 tracee tracer
	shift 2
	held "$log" "$target" 30 "$@"
	tracee=$(awk 'NR == 1 { print $1 }' "$log")
	tracer=$(awk '$1 == "TracerPid:" { print $2 }' "/proc/$tracee/status" 2>/dev/null || true)
	[ -n "$tracee" ] && kill -9 "$tracee" 2>/dev/null || true
	[ -z "$tracer" ] || [ "$tracer" = 0 ] || kill -9 "$tracer" 2>/dev/null || true
	wait "$held_pid" 2>/dev/null || true
}

run() {
	local who=$1 run=$2 d=$T/$1 spec u in_union before after live ns_staging
	rm -rf "$d"
	mkdir -p "$d/upper" "$d/lower/dir" "$d/lower/sub"
	for f in f g h s x y b1 b2; do echo "lower $f" >"$d/lower/$f"; done
	yes 0123456789abcdef | head -c 128M >"$d/lower/big"
	[ "$who" = nobody ] && chown -R 65534:65534 "$d"
	lowers_snapshot "$d/lower"
	spec=$(un_spec "$d/view" "$d/upper" "$d/lower")
	u=$d/upper
	in_union=(env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION")
	# The table and the work directory made.
	$run "${in_union[@]}" ls "$d/view" >/dev/null

	# A directory's copy-up killed mid-stage (its staging given a tree,
	# as copied children would be, and a symlink out of the union, never
	# followed), then a file's: whose process sweeps the first's.
	killed "$T/home/k1.log" "$u/dir" "${in_union[@]}" touch "$d/view/dir/new"
	before=$(staged "$d")
	if [ "$(printf '%s\n' "$before" | grep -c .)" = 1 ] &&
		[ -d "$u/.union/work/$before" ]; then
		$run mkdir -p "$u/.union/work/$before/a/b"
		$run touch "$u/.union/work/$before/a/b/c" "$u/.union/work/$before/a/d"
		$run ln -s "$d/lower/sub" "$u/.union/work/$before/a/out"
	else
		fail "$who: a killed directory copy-up left '$before' in the work directory"
	fi
	killed "$T/home/k2.log" "$u/f" "${in_union[@]}" sh -c "echo more >>'$d/view/f'"
	after=$(staged "$d")
	if [ "$(printf '%s\n' "$after" | grep -c .)" != 1 ] ||
		[ "$after" = "$before" ] || [ ! -f "$u/.union/work/$after" ]; then
		fail "$who: a killed file copy-up after a killed directory's left '$after' (before: '$before')"
	fi
	before=$after

	# A live copy-up held mid-stage in this namespace; another process's
	# copy-up sweeps the dead ones only.
	held "$T/home/live.log" "$u/h" 8 "${in_union[@]}" sh -c "echo more >>'$d/view/h' && echo h ok"
	live=$held_pid
	live_staging=$(comm -13 <(printf '%s\n' "$before") <(staged "$d"))
	$run "${in_union[@]}" sh -c "echo more >>'$d/view/g'"
	after=$(staged "$d")
	expect_eq "$who: after a sweep, the work directory holds the live staging only" \
		"$live_staging" "$after"
	wait "$live" || true
	expect_eq "$who: the live copy-up, let go" "h ok" "$(cat "$T/home/live.log.out")"
	expect_eq "$who: h through the union" "lower h
more" "$($run "${in_union[@]}" cat "$d/view/h")"
	expect_eq "$who: the work directory at the end" "" "$(staged "$d")"
	expect_eq "$who: the killed copy-ups' objects" "lower f
lower g
more" "$($run "${in_union[@]}" sh -c "cat '$d/view/f' '$d/view/g'; ls -A '$d/view/dir'")"
	[ -e "$d/lower/sub" ] || fail "$who: the symlink in a staged tree was followed"

	# A live copy-up stopped (SIGSTOP) in the middle of its copy of a
	# big file: kept by a sweep, it finishes after SIGCONT.  (Stopped
	# once its staging shows; on a fast disk the copy may be done
	# first: then this pass proves nothing, and says so.)
	local sp i=0 st cpid
	$run "${in_union[@]}" sh -c "exec 3<>'$d/view/big' && echo big ok" \
		>"$T/home/big.out" 2>&1 &
	sp=$!
	UN_BG_PIDS+=("$sp")
	while ! compgen -G "$u/.union/work/cu.*" >/dev/null &&
		[ ! -e "$u/big" ] && [ $i -lt 20000 ]; do
		i=$((i + 1))
	done
	# The copier is the process its staging names (cu.BOOT.NS.PID...):
	# $sp is a subshell when $run is a function (as_nobody), and
	# stopping it let the copy go on and finish under the sweep.
	st=$(staged "$d")
	cpid=$(printf '%s\n' "$st" | head -n 1 | cut -d. -f4)
	[ -n "$cpid" ] && kill -STOP "$cpid" 2>/dev/null || cpid=
	if [ -z "$cpid" ] || [ -e "$u/big" ] || [ "$(staged "$d")" != "$st" ]; then
		echo "note: $who: the big copy was done before its SIGSTOP: that pass proves nothing"
	else
		$run "${in_union[@]}" sh -c "echo more >>'$d/view/s'"
		expect_eq "$who: after a sweep, the stopped process's staging" \
			"$st" "$(staged "$d")"
	fi
	[ -z "$cpid" ] || kill -CONT "$cpid" 2>/dev/null || true
	wait "$sp" || true
	expect_eq "$who: the stopped copy-up, let go" "big ok" "$(cat "$T/home/big.out")"
	$run "${in_union[@]}" cmp "$d/view/big" "$d/lower/big" ||
		fail "$who: big differs from the lower's after its copy-up"
	expect_eq "$who: the work directory after the stopped copy-up" "" "$(staged "$d")"

	# A live copy-up in another PID namespace, its pid one that names no
	# process here: the sweep can tell nothing of it, and keeps it.
	local unsh=(unshare -pf --mount-proc)
	[ "$who" = nobody ] && unsh=(unshare -Urpf --mount-proc)
	if ! $run "${unsh[@]}" true 2>/dev/null; then
		echo "SKIP: $who: the other PID namespace's pass: unshare -pf refused"
		echo "SKIP: $who: the other PID namespace's pass: unshare -pf refused" >&2
	else
		held "$T/home/ns.log" "$u/x" 8 "${unsh[@]}" sh -c \
			'echo 400000 >/proc/sys/kernel/ns_last_pid 2>/dev/null; "$@"' sh \
			"${in_union[@]}" sh -c "echo more >>'$d/view/x' && echo x ok"
		ns_staging=$(staged "$d")
		# cu.BOOT.NS.PID.NONCE.N: another namespace, a pid dead here
		local sns spid
		sns=$(printf '%s\n' "$ns_staging" | cut -d. -f3)
		spid=$(printf '%s\n' "$ns_staging" | cut -d. -f4)
		[ "$sns" != "$(readlink /proc/self/ns/pid | tr -dc 0-9)" ] ||
			fail "$who: the staging in another namespace names ours: $ns_staging"
		if kill -0 "$spid" 2>/dev/null; then
			echo "note: pid $spid lives here too: the pass proves less"
		fi
		$run "${in_union[@]}" sh -c "echo more >>'$d/view/y'"
		expect_eq "$who: after a sweep, the other namespace's live staging" \
			"$ns_staging" "$(staged "$d")"
		wait "$held_pid" || true
		expect_eq "$who: the other namespace's copy-up, let go" "x ok" \
			"$(grep -v '^$' "$T/home/ns.log.out")"
		expect_eq "$who: x through the union" "lower x
more" "$($run "${in_union[@]}" cat "$d/view/x")"
	fi
	# Another boot's staging: kept while its ctime is after this boot's
	# start (a process restored by CRIU since would name so), removed by
	# a sweeper whose boot came after it (a time namespace's
	# CLOCK_BOOTTIME, a second old); a session-16 name stays (a day's
	# margin).
	local ob=cu.0123456789abcdef.1.2.0000000000000003.1 old=cu.2.2.1 up
	$run touch "$u/.union/work/$ob" "$u/.union/work/$old"
	$run "${in_union[@]}" sh -c "echo more >>'$d/view/b1'"
	expect_eq "$who: another boot's young staging and an old name, kept" \
		"$ob
$old" "$(staged "$d")"
	sleep 3
	up=$(cut -d. -f1 /proc/uptime)
	local tns=(unshare -T --boottime "-$((up - 1))" -f)
	[ "$who" = nobody ] && tns=(unshare -Ur -T --boottime "-$((up - 1))" -f)
	if ! $run "${tns[@]}" true 2>/dev/null; then
		echo "SKIP: $who: the time namespace's pass: unshare -T refused"
		echo "SKIP: $who: the time namespace's pass: unshare -T refused" >&2
	else
		$run "${tns[@]}" "${in_union[@]}" sh -c "echo more >>'$d/view/b2'"
		expect_eq "$who: after a sweep a second after the boot" "$old" \
			"$(staged "$d")"
	fi
	lowers_check
}

run_self_then_nobody run
un_done
