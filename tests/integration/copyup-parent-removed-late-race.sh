#!/bin/bash
# copyup-parent-removed-late-race: copyup-parent-removed-race's other
# order.  A's rmdir of a lower directory d/w (found lower-only by its
# lookup) has its whiteout held back while B's mv into d/w copies d/w
# up and looks at the table (nothing there yet: B's copy stands); B's
# mv then waits for the table's lock that A holds.  The kernel takes
# the two in some order: A's rmdir first (B's mv fails, x stays in src)
# or B's mv (A's rmdir fails ENOTEMPTY, x in d/w); never both ok.  The
# rmdir, its whiteout written, must look for a copy landed in the upper
# since its lookup and remove it as the rmdir of an upper copy does
# (dir.c copy_landed): without that look A's rmdir says ok and B's mv
# too, d/w back beside its whiteout.  A's write of its record is held
# by strace's delay.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_strace_delay write

run() {
	local who=$1 run=$2 d=$T/$1 spec out a
	rm -rf "$d"
	mkdir -p "$d/upper" "$d/lower/d/w" "$d/lower/src"
	echo moved >"$d/lower/src/x"
	[ "$who" = nobody ] && chown -R 65534:65534 "$d"
	lowers_snapshot "$d/lower"
	spec=$(un_spec "$d/view" "$d/upper" "$d/lower")
	# The table made, and d in the upper (B copies only d/w then).
	$run env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
		sh -c "ls '$d/view' >/dev/null && touch '$d/view/d/f' && rm '$d/view/d/f'"
	# A: rmdir d/w, its one write to the table held 2 s.
	rm -f "$T/home/st.log"
	$run strace -f -qq -o "$T/home/st.log" -P "$d/upper/.union/whiteouts" \
		-e trace=write,pwrite64,writev \
		-e inject=write,pwrite64,writev:delay_enter=2000000 \
		env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
		sh -c "rmdir '$d/view/d/w' && echo A ok" >"$T/a.out" 2>&1 &
	local pa=$!
	local i=0
	while [ ! -s "$T/home/st.log" ] && [ $i -lt 600 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	# B: mv into d/w while A's record is held.
	local b
	b=$($run env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
		mv "$d/view/src/x" "$d/view/d/w/x" 2>&1 && echo "B ok") || true
	wait "$pa" || true
	a=$(cat "$T/a.out")
	[ -n "${UN_VERBOSE:-}" ] && { cat "$T/home/st.log"; cat "$d/upper/.union/whiteouts"; find "$d/upper"; } >&2
	grep -q '(DELAYED)' "$T/home/st.log" ||
		fail "$who: the race was not made (A's record was not held): $(cat "$T/home/st.log")"
	out=$($run env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
		sh -c "ls '$d/view/d'; cat '$d/view/d/w/x' '$d/view/src/x' 2>/dev/null" || true)
	case $a,$b in
	*"A ok"*,*"B ok"*)
		fail "$who: A's rmdir of d/w and B's mv into it both said ok (d: $out)" ;;
	*"A ok"*,*)	# A first: d/w gone, x where it was
		expect_eq "$who: after A's rmdir ($a), B's mv failed ($b)" \
			"moved" "$out" ;;
	*,*"B ok"*)	# B first: A's rmdir refused
		case $a in
		*"not empty"*) ;;
		*) fail "$who: A's rmdir after B's mv: $a" ;;
		esac
		expect_eq "$who: after B's mv ($b), A's rmdir failed ($a)" \
			"w
moved" "$out" ;;
	*) fail "$who: A's rmdir ($a) and B's mv ($b) both failed" ;;
	esac
	lowers_check
}

run_self_then_nobody run
un_done
