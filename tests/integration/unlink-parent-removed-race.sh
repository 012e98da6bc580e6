#!/bin/bash
# unlink-parent-removed-race: A removes a lower file v/w/y while B runs
# rm -rf v, then mkdir v.  The library's unlink of a lower-only file is
# a record of the table, written after its lookup: when B's removal of
# v comes between, A's whiteout lands under a directory the union no
# longer shows (the kernel's unlink is one step: ok before B, ENOENT
# after).  The union reads such a record as hiding nothing (v is
# opaque now): ls v is empty.  `union convert --to-overlay` made the
# record's missing parents, so the kernel over the converted upper
# showed an empty v/w (tests/stress/race.py, session 15, seeds 10, 29
# and 68: "v/w: libunion lists None, the kernel over the same layers
# {'t': 'd'}").  Fixed in tools/convert.c: a record under a parent the
# union does not show is left out.  A's table write (its flock) is held
# by strace's delay until B is done.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_strace_delay flock
need_root
need_kernel_overlay
# the union command beside the library's build tree (as the tools' tests)
union=${UNION_CMD:-$(cd "$(dirname "$LIBUNION_SO")/../.." && pwd)/tools/union}
[ -x "$union" ] || skip "no tools/union at $union (make first)"

run() {
	local who=$1 run=$2 d=$T/$1 spec a out i=0
	rm -rf "$d"
	mkdir -p "$d/upper" "$d/lower/v/w" "$d/lower/src"
	echo y >"$d/lower/v/w/y"
	echo k >"$d/lower/v/w/k"
	[ "$who" = nobody ] && chown -R 65534:65534 "$d"
	lowers_snapshot "$d/lower"
	spec=$(un_spec "$d/view" "$d/upper" "$d/lower")
	$run env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" ls "$d/view" >/dev/null
	# A: its lookup of v/w/y done, its record held at the table's lock
	rm -f "$T/home/st.log"
	$run strace -f -qq -o "$T/home/st.log" -e trace=newfstatat,flock \
		-e inject=flock:delay_enter=3000000:when=1 \
		env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
		sh -c "rm '$d/view/v/w/y' && echo A ok" >"$T/a.out" 2>&1 &
	a=$!
	while ! grep -q "lower/v/w/y" "$T/home/st.log" 2>/dev/null &&
		[ $i -lt 600 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	sleep 0.2
	$run env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
		sh -c "rm -rf '$d/view/v' && mkdir '$d/view/v'"
	wait "$a" || true
	grep -q 'flock.*(DELAYED)' "$T/home/st.log" ||
		fail "$who: the race was not made (A's record was not held): $(cat "$T/home/st.log")"
	[ -n "${UN_VERBOSE:-}" ] && cat "$d/upper/.union/whiteouts" >&2
	expect_eq "$who: the union's v after A's rm ($(cat "$T/a.out")) and B's rm -rf v; mkdir v" \
		"" "$($run env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" ls -A "$d/view/v")"
	# The upper converted to overlayfs's whiteouts: the kernel shows v
	# as the union did.
	local xa=() ko=
	[ "$who" = nobody ] && xa=(--userxattr) ko=userxattr
	$run "$union" convert --to-overlay "${xa[@]}" -l "$d/lower" "$d/upper" ||
		fail "$who: union convert --to-overlay failed"
	UN_KERNEL_OPTS=$ko kernel_mount "$d/k" "$d/upper" "$d/work" "$d/lower"
	expect_eq "$who: the kernel's v over the converted upper" "" \
		"$(ls -A "$d/k/v")"
	kernel_umount "$d/k"
	lowers_check
}

run_self_then_nobody run
un_done
