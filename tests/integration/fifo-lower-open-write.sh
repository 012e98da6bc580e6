#!/bin/bash
# fifo-lower-open-write: a fifo in a lower opened for writing (with a reader): data flows between processes, the lower fifo is never touched and nothing is copied up (the kernel's overlay inode holds the pipe; libunion's processes meet in a stand-in under UPPER/.union); fstat and fchmod through the descriptor answer for the fifo; O_NONBLOCK without a reader gives ENXIO; deleting it whites it out.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	make_small_tree "$1"
	mkfifo -m 666 "$1/lower1/fifo"
	mkfifo -m 644 "$1/lower2/d2/fifo2"
}

action() {
	step '(echo through the lower fifo > "$M/fifo" &); cat "$M/fifo"; st "$M/fifo"'
	step 'g=$(mktemp "$T/home/got.XXXXXX"); (cat "$M/d2/fifo2" > "$g" &); sleep 0.2; echo second > "$M/d2/fifo2"; sleep 0.2; cat "$g"; names "$M/d2"'
	step '"$PYTHON" -c "import os, sys
try:
    os.open(sys.argv[1], os.O_WRONLY | os.O_NONBLOCK)
except OSError as e:
    print(e.strerror)" "$M/fifo"'
	step '"$PYTHON" -c "import os, sys
p = sys.argv[1]
fd = os.open(p, os.O_RDWR)
os.write(fd, b\"x\")
a, b = os.stat(p), os.fstat(fd)
print(a.st_ino == b.st_ino, oct(b.st_mode), b.st_mtime_ns == a.st_mtime_ns)
os.fchmod(fd, 0o600)
print(oct(os.fstat(fd).st_mode), oct(os.stat(p).st_mode))" "$M/d2/fifo2"; st "$M/d2"'
	step 'rm "$M/d2/fifo2"; names "$M/d2"; st "$M/fifo"'
}

# The deletion is recorded; the lowers are checked unchanged by the harness.
check() {
	check_whiteout "$1" "$2" d2/fifo2
	# Opened, written and read, the top fifo stayed in its lower.
	if [ "$1" = union ] && { [ -e "$2/upper/fifo" ] || [ -p "$2/upper/fifo" ]; }; then
		fail "libunion copied the lower fifo up on open"
	fi
}

compare_kernel_union fifo-lower-open-write setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union fifo-lower-open-write-nobody setup action check
un_done
