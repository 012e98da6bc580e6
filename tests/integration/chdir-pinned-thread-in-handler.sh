#!/bin/bash
# chdir-pinned-thread-in-handler: a thread's relative mkdir decided from a cwd outside every union (handed to the kernel as it is, the cwd pinned: fdtab.c "Pins") is interrupted between its lookup and its system call by a signal whose handler sleeps (here: reads a pipe that the main thread writes after its chdir: tests/prog/pinhandler waits), while the main thread chdirs into a merged directory that only a lower holds.  The chdir's writer waits its bound (20 ms), sees the pinned thread asleep (S: taken for asleep inside its call, whose path the kernel resolved from the old cwd) and moves the real cwd into the LOWER's copy; the handler returns and the mkdir makes its name in the lower.  Made certain with an in-place union (MERGED = the lower), whose outside-path check (outside_inplace.c: an O_PATH open and a readlink of /proc/self/fd/N) makes system calls in the pinned window: strace delivers SIGUSR1 at the readlink's exit.  The chdir now waits (to its 2 s cap) for a pinned thread in a handler (chdir-pinned-thread-handler-sleeps: a handler that sleeps 0.6 s on its own), but this handler waits for the chdir's own thread: XFAIL (session 18, gaps18: bench/README.md "Session 18 (gaps18)").  As root and as nobody who owns the layers.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_strace
strace -f -qq -o /dev/null -e trace=getpid -e inject=getpid:signal=SIGUSR1 \
	true 2>/dev/null || skip "strace cannot inject a signal here"
[ -x "$TESTPROG/pinhandler" ] || skip "tests/prog/pinhandler is not built"
MODE=${PIN_HANDLER_MODE:-waits}

run() {
	local d=$T/$1 spec out
	rm -rf "$d"
	mkdir -p "$d/upper" "$d/lower/lo" "$d/out"
	echo keep >"$d/lower/lo/keep"
	[ "$1" = nobody ] && chown -R 65534:65534 "$d"
	lowers_snapshot "$d/lower"
	# In place: MERGED is the lower itself.
	spec=$(un_spec "$d/lower" "$d/upper" "$d/lower")
	# (The table, and so .union/, made first.)
	$2 env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
		ls "$d/lower" >/dev/null
	# (SIGUSR1 at every readlink; ignored until pinhandler installs its
	# handler: a sanitizer's runtime reads a link at start.)
	out=$(trap '' USR1
		$2 strace -f -qq -o /dev/null -e trace=readlink \
		-e inject=readlink:signal=SIGUSR1 \
		env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
		"$TESTPROG/pinhandler" "$d/lower" "$d/out" "$MODE" 2>&1) || true
	expect_eq "$1: the mkdir is made in the old cwd, not the lower" \
		"$(printf 'mkdir ok\npa in out: yes')" "$out"
	lowers_check
}

run_self_then_nobody run
un_done
