#!/bin/bash
# preload-relative: LD_PRELOAD naming the library by a relative path
# (LD_PRELOAD=preload/.libs/libunion.so, as a developer runs it).  The
# loader keeps that name as given; the library took only an absolute one
# as its own and left its own path NULL, which the exec of every child
# then read (exec.c preload_has_self): every program a shell, python or
# strace started crashed with SIGSEGV before its exec.  Now the name is
# made whole from the cwd at start, so a child runs under the library,
# from another cwd too, and writes into the union reach the upper; the
# children's LD_PRELOAD names it by the whole path alone.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done

mkdir -p "$T/u" "$T/l/d" "$T/lib"
echo "from the lower" >"$T/l/d/f"
cp "$LIBUNION_SO" "$T/lib/libunion.so"
lowers_snapshot "$T/l"
rel="${UN_PRELOAD_FIRST:+$UN_PRELOAD_FIRST }lib/libunion.so"
layers=$(un_spec "$T/m" "$T/u" "$T/l")

rc=0
out=$(cd "$T" && UNION_LAYERS="$layers" LD_PRELOAD="$rel" \
	bounded 30 bash -c '/bin/true && echo child ok' 2>&1) || rc=$?
expect_eq "a child of a shell started with a relative LD_PRELOAD" \
	"child ok/0" "$out/$rc"
rc=0
out=$(cd "$T" && UNION_LAYERS="$layers" LD_PRELOAD="$rel" \
	bounded 30 bash -c 'cd / && sh -c "echo new >$1/d/g && cat $1/d/f"' \
	sh "$T/m" 2>"$T/err") || rc=$?
expect_eq "a child started from another cwd reads the union" \
	"from the lower/0" "$out/$rc"
# Its LD_PRELOAD holds the whole path, not the relative one as well
# (from another cwd the loader would print "cannot be preloaded").
expect_eq "what the loader said" "" "$(cat "$T/err")"
expect_eq "and its write went to the upper" "new" "$(cat "$T/u/d/g" 2>&1)"
[ ! -e "$T/m/d/g" ] || fail "the write reached the real $T/m"
lowers_check
un_done
