#!/bin/bash
# exec-child-calls: a shell in the union running a program 20 times: its children read the program's path, which lies in the shell's heap, without a process_vm_readv each (the shell learns its heap before it forks: issue 13), and still run it.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
need_no_sanitizer "the ASan runtime reads memory of its own"
command -v strace >/dev/null || skip "strace is not installed"

mkdir -p "$T/u" "$T/l/d"
lowers_snapshot "$T/l"

# (A shell that reads few paths before it forks, fewer than the library
# misses before it learns the heap by itself: no cd, no $(seq).)
rc=0
(cd "$T" && un_run "$T/m" "$T/u" "$T/l" -- strace -f -qq -o "$T/trace" \
	-e trace=process_vm_readv,execve bash --norc --noprofile -c \
	'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		/bin/true
	done; echo done') >"$T/out" 2>&1 || rc=$?
expect_eq "the loop runs" "done/0" "$(cat "$T/out")/$rc"
execs=$(grep -c 'execve("/bin/true"' "$T/trace" || true)
expect_eq "20 children exec /bin/true" 20 "$execs"
# The reads of the children that exec /bin/true (the shell's own, before
# its first fork, do not count): none; each made one before.
reads=$(awk '/execve\("\/bin\/true"/ { child[$1] = 1 }
	/process_vm_readv\(/ { n[$1]++ }
	END { for (p in child) s += n[p]; print s + 0 }' "$T/trace")
expect_eq "process_vm_readv in the 20 children" 0 "$reads"
lowers_check
un_done
