#!/bin/bash
# getdents-close-frees: getdents64 by syscall() on 100 descriptors of a merged directory at once, then close them all: the listings the library built for them (dents.c) are freed at the close, not kept until each number is listed again (mallinfo2's bytes in use before and after; a kernel mount keeps none).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	mkdir -p "$1/upper/d" "$1/lower1/d"
	"$PYTHON" -c 'import sys
for i in range(300):
	open("%s/lower1/d/lower-name-of-some-thirty-bytes-%d" % (sys.argv[1], i), "w").close()
for i in range(20):
	open("%s/upper/d/upper-%d" % (sys.argv[1], i), "w").close()' "$1"
}

cat >"$T/many.py" <<'EOF2'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
class MI(ctypes.Structure):
	_fields_ = [(n, ctypes.c_size_t) for n in
		("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
		 "fsmblks", "uordblks", "fordblks", "keepcost")]
libc.mallinfo2.restype = MI
buf = ctypes.create_string_buffer(65536)
fds = [0] * 100
before = libc.mallinfo2().uordblks
for k in range(100):
	fds[k] = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
total = 0
for k in range(100):
	total += libc.syscall(217, fds[k], buf, 65536) > 0
for k in range(100):
	os.close(fds[k])
kept = libc.mallinfo2().uordblks - before
print(total, "listings read; kept after the closes < 256 KiB:", kept < 262144)
EOF2

action() {
	step '"$PYTHON" -B "$T/many.py" "$M/d"'
}

compare_kernel_union getdents-close-frees setup action
un_done
