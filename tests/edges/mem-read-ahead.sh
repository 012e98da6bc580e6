#!/bin/bash
# mem-read-ahead: a process that reads a few paths the library has not
# seen reads each with a process_vm_readv of its own page alone: a byte
# of each of the 63 pages after it (wrap_mem.c's read ahead) faulted
# them in, ~14 us a call, in every compiler's process of a make
# (bench/README.md "Session 12 (make)").  A thread that missed 16 times
# reads ahead from then on, and a process of threads at once (git
# status's lstat threads): here 40 names, each on a page of its own in
# a large block.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
need_no_sanitizer "the ASan runtime reads memory of its own"
command -v strace >/dev/null || skip "strace is not installed"
strace -f -qq -o /dev/null true 2>/dev/null ||
	skip "strace cannot trace here (ptrace refused)"

mkdir -p "$T/u" "$T/l/d"
echo a >"$T/l/d/a"
rc=0
(cd "$T" && un_run "$T/m" "$T/u" "$T/l" -- strace -qq -o "$T/trace" \
	-e trace=process_vm_readv stat -c %s "$T/m/d/a" "$T/m/d") \
	>"$T/out" 2>&1 || rc=$?
expect_eq "stat answers" "2/4096/0" "$(tr '\n' / <"$T/out")$rc"
# The last argument of process_vm_readv's line is its flags, the one
# before it the count of remote pieces: 1 without reading ahead.
ahead=$(grep -c 'process_vm_readv(.*, [0-9][0-9], 0) = ' "$T/trace" || true)
expect_eq "reads ahead in a process of few misses" 0 "$ahead"

# Many misses: a Python program stats 40 names, each at the start of a
# page of one mmap'ed block (not the heap, which the library learns).
cat >"$T/many.py" <<'EOF2'
import ctypes, mmap, os, sys
libc = ctypes.CDLL(None, use_errno=True)
buf = mmap.mmap(-1, 41 * 4096)
base = ctypes.addressof(ctypes.c_char.from_buffer(buf))
path = sys.argv[1].encode() + b"\0"
ok = 0
for i in range(40):
    buf[i * 4096:i * 4096 + len(path)] = path
    ok += libc.access(ctypes.c_void_p(base + i * 4096), 0) == 0
print(ok)
EOF2
rc=0
(cd "$T" && un_run "$T/m" "$T/u" "$T/l" -- strace -qq -o "$T/trace2" \
	-e trace=process_vm_readv "$PYTHON" "$T/many.py" "$T/m/d/a") \
	>"$T/out2" 2>&1 || rc=$?
expect_eq "40 accesses" "40/0" "$(cat "$T/out2")/$rc"
ahead=$(grep -c 'process_vm_readv(.*, [0-9][0-9], 0) = ' "$T/trace2" || true)
[ "$ahead" -ge 1 ] || fail "no read ahead after 40 misses of one thread"
lowers_check
un_done
