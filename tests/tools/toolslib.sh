# tests/tools/toolslib.sh - the shared helper of the union command's tests.
#
# Sourced by every tests/tools/*.sh after tests/lib.sh's conventions (bash,
# `set -eu`, a private $T removed at the end, fail/skip/expect_eq/un_done,
# listing, kernel_mount).  Adds:
#
#	UNION_CMD    the union command under test (default: tools/union of
#	             the build tree the test runs from, else of the source
#	             tree)
#	UNION_LIBRARY  set to $LIBUNION_SO, so that the command preloads
#	             the library under test
#	UNION_CMD_REAL the command itself (UNION_CMD may be a wrapper, below)
#	UN_SAN_RT    in a sanitizer build the ASan runtime, else empty
#	u            run the command: u run -l "$L1" -- cat ...
#	u_view LOWERS... [-u UPPER] -m M: the listing of the merged view
#	need_union   the command must be built (a failure, not a skip)
#	make_change_tree DIR: two lowers, and the changes of most kinds made
#	             through `union run` in DIR/up (merged at $DIR/m)

. "${TOP_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/lib.sh"

if [ -z "${UNION_CMD:-}" ]; then
	if [ -x "$PWD/tools/union" ]; then
		UNION_CMD=$PWD/tools/union
	else
		UNION_CMD=$TOP_SRCDIR/tools/union
	fi
fi
UNION_CMD_REAL=$UNION_CMD
UNION_LIBRARY=$LIBUNION_SO
UN_SAN_RT=${UN_PRELOAD_FIRST:-}

# A sanitizer build: UNION_CMD becomes a wrapper that runs the command
# with the ASan runtime in LD_PRELOAD.  The command then loads the
# sanitized library with ASan in place (its dlopen of it, its execvp), and
# the children it starts get LD_PRELOAD=libunion.so:RUNTIME[:the others]
# (the library first, as `union run` puts it): the runtime is still loaded
# before libc, so its malloc and interceptors are the ones in use (ASan's
# link-order check is off in ASAN_OPTIONS, see tests/integration/local.mk).
# Without it the runtime would come in only as the library's dependency,
# after libc, and no heap error of the library would be seen.
if [ -n "$UN_SAN_RT" ]; then
	mkdir -p "$T/.union-cmd"
	{
		echo '#!/bin/bash'
		printf 'rt=%q\n' "$UN_SAN_RT"
		echo 'case " ${LD_PRELOAD:-} " in'
		echo '*[\ :]"$rt"[\ :]*) ;;'
		echo '*) export LD_PRELOAD="$rt${LD_PRELOAD:+:$LD_PRELOAD}" ;;'
		echo 'esac'
		printf 'exec %q "$@"\n' "$UNION_CMD_REAL"
	} >"$T/.union-cmd/union"
	chmod 755 "$T/.union-cmd" "$T/.union-cmd/union"
	UNION_CMD=$T/.union-cmd/union
fi
export UNION_CMD UNION_CMD_REAL UNION_LIBRARY UN_SAN_RT

need_union() {
	if [ ! -x "$UNION_CMD_REAL" ]; then
		fail "the union command is not built: $UNION_CMD_REAL"
		un_done
	fi
	need_lib || un_done
}

u() { "$UNION_CMD" "$@"; }

# u_view ARGS...: the listing (with owners) of the merged view of
# `union run ARGS` (ARGS must include -m MERGED as the last two).
u_view() {
	local m=${*: -1}
	"$UNION_CMD" run "$@" -- bash -c "$(declare -f listing _un_listing_walk _un_listing_fmt); listing -o \"\$1\"" \
		listing "$m"
}

# make_change_tree DIR: DIR/l1 over DIR/l2, and DIR/up holding changes of
# every kind, made through the union at DIR/m:
#   a        C  (appended to: l1's copied up)
#   b        D  (l2's file deleted)
#   d/x2     D  (deleted in a directory the upper does not hold)
#   e/       C  (removed and made again: opaque; e/f of l2 D, e/g A)
#   n/m/q    A  (new directories)
#   new      A
#   sp ace   A  (a name with a space)
#   link     A  (a symlink)
#   d/sub/y  C  (chmod: copied up with its parents)
make_change_tree() {
	local d=$1
	mkdir -p "$d/l1/d" "$d/l2/d/sub" "$d/l2/e"
	echo a >"$d/l1/a"
	echo b >"$d/l2/b"
	echo x1 >"$d/l1/d/x1"
	echo x2 >"$d/l2/d/x2"
	echo y >"$d/l2/d/sub/y"
	echo f >"$d/l2/e/f"
	fix_times "$d"
	"$UNION_CMD" run -l "$d/l1" -l "$d/l2" -u "$d/up" -m "$d/m" -- sh -c '
		cd "$1" &&
		echo more >>a && rm b && rm d/x2 &&
		rm -r e && mkdir e && echo g >e/g &&
		mkdir -p n/m && echo q >n/m/q && echo new >new &&
		echo sp >"sp ace" && ln -s new link && chmod 600 d/sub/y
	' sh "$d/m"
}

# run_example NAME: run examples/NAME.sh with the command under test (the
# sanitizer wrapper too), as a test: its status is the test's, and a
# sanitizer's report from anything it ran fails it (see tests/lib.sh).
run_example() {
	local rc=0
	need_union
	bash "$TOP_SRCDIR/examples/$1.sh" "$UNION_CMD" || rc=$?
	case $rc in
	0) un_done ;;
	77) skip "examples/$1.sh skipped (its reason above)" ;;
	*)
		fail "examples/$1.sh failed (status $rc)"
		un_done
		;;
	esac
}
