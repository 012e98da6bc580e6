#!/bin/bash
# signal-bsd: signal() (glibc's BSD semantics) puts the program's handler behind the library's trampoline in the one rt_sigaction glibc makes (three before: issue 13, a compiler's driver sets five handlers): the action read back is the program's (no SA_SIGINFO, SA_RESTART unless siginterrupt, the signal in its mask), the handler runs in signal mode and sees the union, signal() answers the program's old handler.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
cc_build signal-bsd signal-bsd.c || skip "cannot build signal-bsd.c"

M=$T/m
mkdir -p "$T/u" "$T/l"
echo low >"$T/l/f"
lowers_snapshot "$T/l"

want="first: old dfl
installed: handler ours, siginfo 0, restart 1, mask has it 1
raised: ran 1, found 1
again: old ours
interrupt: old ours
interrupting: handler ours, siginfo 0, restart 0, mask has it 1
raised: ran 1, found 1
ignore: old ours
ignored: handler ign, siginfo 0, restart 0, mask has it 1"
native=$("$T/signal-bsd" "$T/l/f" 2>&1) || fail "native run failed: $native"
expect_eq "natively" "$want" "$native"
out=$(cd "$T" && un_run "$M" "$T/u" "$T/l" -- "$T/signal-bsd" "$M/f" 2>&1) ||
	fail "the run in the union failed: $out"
expect_eq "in the union" "$want" "$out"

# The system calls: as many rt_sigaction of SIGUSR1 as natively (one a
# signal(), one a read back).  (Not under a sanitizer: its runtime,
# preloaded first, has a signal() of its own.)
if [ -n "${UN_PRELOAD_FIRST:-}" ]; then
	echo "note: sanitizer build: the calls not counted"
elif command -v strace >/dev/null; then
	strace -f -qq -o "$T/trace.native" -e trace=rt_sigaction \
		"$T/signal-bsd" "$T/l/f" >/dev/null 2>&1
	(cd "$T" && un_run "$M" "$T/u" "$T/l" -- strace -f -qq \
		-o "$T/trace.union" -e trace=rt_sigaction \
		"$T/signal-bsd" "$M/f") >/dev/null 2>&1
	n0=$(grep -c 'rt_sigaction(SIGUSR1' "$T/trace.native" || true)
	n1=$(grep -c 'rt_sigaction(SIGUSR1' "$T/trace.union" || true)
	expect_eq "rt_sigaction of SIGUSR1, union against native" "$n0" "$n1"
else
	echo "note: strace is not installed: the calls not counted"
fi
lowers_check
un_done
