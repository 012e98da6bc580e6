#!/bin/bash
# alloc-jemalloc: a program linked with jemalloc, and jemalloc preloaded before and after libunion, doing union work in threads and a fork.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
# ASan's malloc, preloaded first, takes the place of jemalloc's in every
# process: what this test is about would not happen.
need_no_sanitizer "ASan replaces jemalloc's allocator, so jemalloc's start-up is not what runs"
need_lib || un_done
cc_build jemalloc-ops jemalloc-ops.c -pthread -ljemalloc ||
	skip "cannot link with jemalloc (apt-get install -y libjemalloc-dev)"
cc_build plain-ops jemalloc-ops.c -pthread ||
	fail "cannot build jemalloc-ops.c without jemalloc"
JE_SO=$(ldd "$T/jemalloc-ops" | awk '/libjemalloc/ { print $3 }')
[ -n "$JE_SO" ] || fail "the jemalloc build does not load libjemalloc"

n=0
run() {
	local what=$1 rc=0 out d M
	shift
	n=$((n + 1))
	d=$T/run$n
	M=$T/m$n
	mkdir -p "$d/upper" "$d/lower"
	echo keep >"$d/lower/keep"
	echo lower >"$d/lower/lowerfile"
	lowers_snapshot "$d/lower"
	out=$(bounded 30 env UNION_LAYERS="$(un_spec "$M" "$d/upper" "$d/lower")" "$@" "$M" 2>&1) || rc=$?
	if [ "$rc" = 0 ]; then
		echo "ok: $what"
	else
		fail "$what: status $rc (137: hung)"
		printf '%s\n' "$out" >&2
	fi
	expect_eq "$what: another process sees the result" "child-file
keep" "$(un_run "$M" "$d/upper" "$d/lower" -- ls "$M")"
	lowers_check
}

run "linked with jemalloc" env LD_PRELOAD="$LIBUNION" "$T/jemalloc-ops"
run "jemalloc preloaded after libunion" env LD_PRELOAD="$LIBUNION:$JE_SO" "$T/plain-ops"
run "jemalloc preloaded before libunion" env LD_PRELOAD="$JE_SO:$LIBUNION" "$T/plain-ops"
# jemalloc reads its options from a symlink and the environment at its
# first allocation: make that go through libunion's wrappers too.
run "jemalloc with MALLOC_CONF, linked" env LD_PRELOAD="$LIBUNION" MALLOC_CONF=narenas:2,tcache:false "$T/jemalloc-ops"
un_done
