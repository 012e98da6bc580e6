#!/bin/bash
# copyup-parent-removed-race: B moves a file into a lower directory d/w
# (its copy-up of d/w staged) while A runs rm -rf d/w.  The kernel
# takes both in some order: B's mv fails (d/w is gone) or A's rm -rf
# removes what B put there; either way nothing B was told it put in
# place is lost.  The library's copy-up of d/w, begun before A's
# whiteout, lands after it: B's mv says ok, and its file is under a
# directory the table says was removed: d/w is back in the upper (a
# lookup finds it and B's file, with the lower's names too; a listing of
# d leaves it out by the table's whiteout).  tests/stress/race.py seed
# 681 as root: the kernel over the converted upper shows v/w, libunion's
# listing not.  Fixed: the copy-up, its copy renamed in, looks at the
# table and removes its copy again, ENOENT (copy_up.c copy_hidden); the
# other order is copyup-parent-removed-late-race.  B's rename of its
# staged copy is held by strace's delay until A is done.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_strace_delay rename

run() {
	local who=$1 run=$2 d=$T/$1 spec out
	rm -rf "$d"
	mkdir -p "$d/upper" "$d/lower/d/w" "$d/lower/src"
	echo keep >"$d/lower/d/w/keep"
	echo moved >"$d/lower/src/x"
	[ "$who" = nobody ] && chown -R 65534:65534 "$d"
	lowers_snapshot "$d/lower"
	spec=$(un_spec "$d/view" "$d/upper" "$d/lower")
	$run env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" ls "$d/view" >/dev/null
	# B: its copy-up of d/w (mv's parent) held at the staged copy's
	# rename into the upper.
	rm -f "$T/home/st.log"
	$run strace -f -qq -o "$T/home/st.log" -P "$d/upper/d/w" \
		-e trace=rename,renameat,renameat2 \
		-e inject=rename,renameat,renameat2:delay_enter=2000000 \
		env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
		sh -c "mv '$d/view/src/x' '$d/view/d/w/x' && echo B ok" \
		>"$T/b.out" 2>&1 &
	local b=$!
	local i=0
	while [ ! -s "$T/home/st.log" ] && ! ls "$d/upper/.union/work" 2>/dev/null | grep -q . &&
		[ $i -lt 600 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	sleep 0.3
	local a
	a=$($run env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
		rm -rf "$d/view/d/w" 2>&1 && echo "A ok") || true
	[ -n "${UN_VERBOSE:-}" ] && { cat "$T/home/st.log"; cat "$d/upper/.union/whiteouts"; find "$d/upper"; } >&2
	wait "$b" || true
	grep -q '(DELAYED)' "$T/home/st.log" ||
		fail "$who: the race was not made (B's copy-up was not held): $(cat "$T/home/st.log")"
	# A's rm -rf said nothing: d/w is gone, whatever B's mv said (it
	# renames into d/w, it never makes it).  Shown by a listing of d
	# and by a lookup of d/w.
	out=$($run env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
		sh -c "ls '$d/view/d'; [ -e '$d/view/d/w' ] && echo 'd/w there' || echo 'd/w gone'")
	expect_eq "$who: d/w after A's rm -rf ($a) and B's mv into it ($(cat "$T/b.out"))" \
		"d/w gone" "$out"
	lowers_check
}

run_self_then_nobody run
un_done
