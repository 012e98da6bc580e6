#!/bin/bash
# copyup-killed-before-backout: session 14's rmrace fix, killed midway.
# B's mv into a lower-only directory d/w copies d/w up; A's rm -rf of
# d/w writes its whiteout before B's copy lands and says ok (its look
# for a landed copy finds none yet); B's copy, renamed in, meets the
# whiteout and is removed again (copy_up.c copy_hidden) -- unless B is
# killed between its rename and that removal: the copy stays beside
# the whiteout and reads as an opaque empty d/w, back after an rm -rf
# that said ok.  The kernel never shows d/w again.  Made certain by
# strace: B's rename of its staged copy held at its entry while A runs,
# then at its exit, where B is killed.  The staged copy carries a mark
# (UN_STAGED_XATTR) until B has looked at the table: a lookup or a
# listing that meets a marked directory beside a whiteout removes it
# (copy_up.c un_copy_left), as B's back-out would have.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_strace_delay rename

run() {
	local who=$1 run=$2 d=$T/$1 spec a out pb i
	rm -rf "$d"
	mkdir -p "$d/upper" "$d/lower/d/w" "$d/lower/src"
	echo moved >"$d/lower/src/x"
	[ "$who" = nobody ] && chown -R 65534:65534 "$d"
	lowers_snapshot "$d/lower"
	spec=$(un_spec "$d/view" "$d/upper" "$d/lower")
	# The table made, and d in the upper (B copies only d/w then).
	$run env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
		sh -c "ls '$d/view' >/dev/null && touch '$d/view/d/f' && rm '$d/view/d/f'"
	rm -f "$T/home/st.log"
	# B: its rename into upper/d/w held 2 s at its entry, 30 s at its
	# exit (killed there)
	$run strace -f -qq -o "$T/home/st.log" -P "$d/upper/d/w" \
		-e trace=rename,renameat,renameat2 \
		-e inject=rename,renameat,renameat2:delay_enter=2000000:delay_exit=30000000 \
		env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
		mv "$d/view/src/x" "$d/view/d/w/x" >"$T/b.out" 2>&1 &
	pb=$!
	UN_BG_PIDS+=("$pb")
	i=0
	while ! grep -q rename "$T/home/st.log" 2>/dev/null && [ $i -lt 600 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	grep -q rename "$T/home/st.log" ||
		fail "$who: the race was not made (B's rename not held)"
	# A: rm -rf d/w while B's rename is held
	a=$($run env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
		sh -c "rm -rf '$d/view/d/w' && echo A ok" 2>&1) || true
	# B's rename done, held at its exit: killed there.  Then a lookup
	# of d/w (namei.c) before the listing of d (readdir.c) meets it.
	i=0
	while ! grep -q 'renameat2(.*= 0\|rename(.*= 0\|renameat(.*= 0' \
		"$T/home/st.log" 2>/dev/null && [ $i -lt 600 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	sleep 0.2
	local tracee
	tracee=$(awk 'NR == 1 { print $1 }' "$T/home/st.log")
	[ -n "$tracee" ] && kill -9 "$tracee" 2>/dev/null || true
	wait "$pb" 2>/dev/null || true
	[ -n "${UN_VERBOSE:-}" ] && { cat "$T/home/st.log"; cat "$d/upper/.union/whiteouts"; find "$d/upper"; } >&2
	out=$($run env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
		sh -c "test -e '$d/view/d/w' && echo d/w stands
			ls '$d/view/d'; cat '$d/view/src/x'
			mkdir '$d/view/d/w' && echo made" 2>&1 || true)
	case $a in
	*"A ok"*)
		expect_eq "$who: after A's rm -rf ($a) and B killed" "moved
made" "$out" ;;
	*) fail "$who: A's rm -rf failed: $a" ;;
	esac
	lowers_check
}

run_self_then_nobody run
un_done
