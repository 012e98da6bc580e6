#!/bin/bash
# fifo-lower-open-write: a fifo in a lower opened for writing (with a reader): data flows, the lower fifo is never touched (libunion copies a fifo up on open, where the kernel's overlay inode holds the pipe); O_NONBLOCK without a reader gives ENXIO; deleting it whites it out.
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
	step 'rm "$M/d2/fifo2"; names "$M/d2"; st "$M/fifo"'
}

# The deletion is recorded; the lowers are checked unchanged by the harness.
check() {
	check_whiteout "$1" "$2" d2/fifo2
}

compare_kernel_union fifo-lower-open-write setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union fifo-lower-open-write-nobody setup action check
un_done
