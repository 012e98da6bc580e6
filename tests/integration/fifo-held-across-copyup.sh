#!/bin/bash
# fifo-held-across-copyup: a lower fifo held open (by the shell, and by a python process) while it is copied up (chmod, utime, chown by another process or by itself) stays one fifo with the copy: what is written through a later open of the copied fifo is read through the descriptor held from before; writes through a fifo, lower or upper, leave the times stat shows as the kernel does (issue 11, item 7).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	mkdir -p "$1/upper" "$1/lower1" "$1/lower2"
	mkfifo -m 644 "$1/lower1/p"
	mkdir -p "$1/lower2/d"
	mkfifo -m 644 "$1/lower2/d/q"
	mkfifo -m 666 "$1/lower2/r"
}

action() {
	# the shell holds the fifo; chmod (another process) copies it up
	step 'exec 3<>"$M/p"; chmod 600 "$M/p"; echo after the chmod >"$M/p"; read -r line <&3; echo "$line"; echo again >&3; read -r line <"$M/p"; echo "$line"; stat -c "%n %a %Y %s" "$M/p"'
	step 'exec 3<>"$M/d/q"; touch -d @1000 "$M/d/q"; echo after the utime >"$M/d/q"; read -r line <&3; echo "$line"; stat -c "%n %a %Y" "$M/d/q" "$M/d"'
	# one process: held read end, its own fchmod and chmod, a new writer
	step '"$PYTHON" -c "
import os, sys
p = sys.argv[1]
r = os.open(p, os.O_RDWR | os.O_NONBLOCK)
os.write(r, b\"a\")
os.chmod(p, 0o640)
w = os.open(p, os.O_WRONLY | os.O_NONBLOCK)
os.write(w, b\"b\")
os.fchmod(r, 0o600)
os.write(w, b\"c\")
print(os.read(r, 10), oct(os.fstat(r).st_mode), oct(os.fstat(w).st_mode), os.fstat(r).st_mtime == os.stat(p).st_mtime, int(os.stat(p).st_mtime))
" "$M/r"'
	# a fifo made in the union: writes leave its times
	step 'mkfifo "$M/new"; touch -d @2000 "$M/new"; exec 3<>"$M/new"; echo x >&3; read -r line <"$M/new"; echo "$line"; stat -c "%n %Y" "$M/new"'
}

compare_kernel_union fifo-held-across-copyup setup action
UN_AS=nobody UN_NOBODY_LOWERS=both compare_kernel_union fifo-held-across-copyup-nobody setup action
UN_INPLACE=1 compare_kernel_union fifo-held-across-copyup-inplace setup action
un_done
