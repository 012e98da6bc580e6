#!/bin/bash
# mkfifo-create: FIFOs made in the merged view; mknod over names the lowers show.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step '"$TESTPROG/sysop" mkfifo "$M/fifo" 644 -- mkfifo "$M/f1" 644 -- mkfifo "$M/d/sub/fifo2" 600 -- mkfifo "$M/nope/x" 644'
	step 'st "$M/fifo" "$M/d/sub/fifo2"; names "$M/d/sub"'
	step '(echo through the fifo > "$M/fifo" &) ; cat "$M/fifo"'
	step 'rm "$M/f2"; mkfifo "$M/f2"; st "$M/f2"; rm "$M/fifo"; names "$M"'
}

compare_kernel_union mkfifo-create setup action
un_done
