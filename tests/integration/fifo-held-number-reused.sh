#!/bin/bash
# fifo-held-number-reused: the O_PATH descriptor fifo.c holds beside a
# lower fifo's stand-in is the program's to look at (fstat, readlink of
# /proc/self/fd/N: fdtab.c discovers it, a record of the fifo's merged
# path) and is closed by the library with the stand-in.  That record
# must go with it: left, the number's next holder, a pipe, stood for the
# merged fifo (fchmod of the pipe: EEXIST where the kernel changes the
# pipe).  The same class as cwdfd-number-reused (found by review16).
# The kernel's side has no such descriptor: the pipe is any pipe.  As
# root and as nobody.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	local d=$1
	mkdir -p "$d/upper" "$d/lower1"
	mkfifo -m 644 "$d/lower1/p"
	fix_times "$d"
}

cat >"$T/probe.py" <<'PY'
import os, stat, sys

m = sys.argv[1]
while os.open('/dev/null', os.O_RDONLY) < 899:
    pass	# every number below the library's taken
fd = os.open(m + '/p', os.O_RDONLY | os.O_NONBLOCK)
ours = None
for n in range(900, 1000):
    try:
        link = os.readlink('/proc/self/fd/%d' % n)
    except OSError:
        continue
    if n != fd and link == m + '/p':
        ours = n
        os.fstat(n)
os.close(fd)
for _ in range(50):
    r, w = os.pipe()
    if ours is None or ours in (r, w):
        break
got = r if ours is None or ours == r else w
for what, call in (('fchmod', lambda: os.fchmod(got, 0o600)),
                   ('fstat', lambda: stat.S_ISFIFO(os.fstat(got).st_mode))):
    try:
        print(what, call())
    except OSError as e:
        print(what, e.strerror)
print('p', oct(os.stat(m + '/p').st_mode & 0o7777))
PY

action() {
	step '"$PYTHON" "$T/probe.py" "$M"'
}

compare_kernel_union fifo-held-number-reused setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union \
	fifo-held-number-reused-nobody setup action
un_done
