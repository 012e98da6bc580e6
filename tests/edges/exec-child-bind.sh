#!/bin/bash
# exec-child-bind: a shell in the union running a lower program (and /bin/true): its children bind no libc function of the library's on their way to exec (real.c bind_for_children binds them once in the shell: each binding in a child is ~10 page faults of every exec, issue 13).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
need_no_sanitizer "the ASan runtime's own interceptors bind libc for the library"
[ "$(uname -m)" = x86_64 ] ||
	skip "the real functions are found at start elsewhere than x86-64 (real.c)"

mkdir -p "$T/u" "$T/l/bin" "$T/l/d"
cp /bin/true "$T/l/bin/t"
lowers_snapshot "$T/l"

# The loader writes a forked child's bindings into its parent's file
# (LD_DEBUG_OUTPUT.PID, opened at the parent's start) under the child's
# own pid; after its exec a process writes a file of its own.
rc=0
(cd "$T" && LD_DEBUG=bindings LD_DEBUG_OUTPUT="$T/ld" \
	un_run "$T/m" "$T/u" "$T/l" -- bash --norc --noprofile -c \
	'cd "$1" && for i in 1 2 3; do
		./bin/t && bin/t && d/../bin/t && "$1/bin/t" && /bin/true || exit 1
	done; echo done' _ "$T/m") >"$T/out" 2>&1 || rc=$?
expect_eq "the loop runs" "done/0" "$(cat "$T/out")/$rc"
grep -qF "binding file $LIBUNION_SO " "$T"/ld.* ||
	fail "LD_DEBUG=bindings showed no binding of the library at all"
late=
for f in "$T"/ld.*; do
	own=${f##*.}
	# (the children's lines: another pid than the file's)
	late+=$(awk -v own="$own" -v lib="$LIBUNION_SO" '
		{ pid = $1; sub(":", "", pid) }
		pid != own && index($0, "binding file " lib " ") {
			s = $0; sub(/.*symbol `/, "", s); sub(/'"'"'.*/, "", s)
			print s
		}' "$f" | sort -u | tr '\n' ' ')
done
expect_eq "libc functions the library binds in the shell's children" "" "$late"
lowers_check
un_done
