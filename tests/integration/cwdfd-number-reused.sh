#!/bin/bash
# cwdfd-number-reused: the library's O_PATH descriptor of the merged
# cwd's copy in a lower (preload/cwdfd.c) is the program's to look at
# (fstat, readlink of /proc/self/fd/N: fdtab.c discovers it, a record of
# the cwd's merged path) and is closed by the library at the next chdir.
# That record must go with it: left, the number's next holder, a pipe,
# stood for the merged directory, and openat(pipe, "x", O_CREAT) made x
# in it where the kernel says ENOTDIR (found by review16).  The kernel's
# side has no such descriptor: the pipe is any pipe.  As root and as
# nobody.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	local d=$1
	mkdir -p "$d/upper" "$d/lower1" "$d/lower2"
	mkf "$d/lower1/c/a" 644 aa
	mkf "$d/lower2/c/b" 644 bbb
	mkf "$d/upper/p/u" 644 u
	mkf "$d/lower2/p/q" 644 qq
	fix_times "$d"
}

cat >"$T/probe.py" <<'PY'
import os, sys

m, d, name = sys.argv[1], sys.argv[2], sys.argv[3]
held = []
while True:	# every number below the library's taken
    fd = os.open('/dev/null', os.O_RDONLY)
    held.append(fd)
    if fd >= 899:
        break
os.chdir(m + '/' + d)
for _ in range(20):	# (the 16th lookup opens the descriptor)
    os.lstat(name)
ours = None
for n in range(900, 1000):
    try:
        link = os.readlink('/proc/self/fd/%d' % n)
    except OSError:
        continue
    if link == m + '/' + d:
        ours = n
        os.fstat(n)
os.chdir('/')
pipes = []
for _ in range(50):
    r, w = os.pipe()
    pipes.append((r, w))
    if ours is None or ours in (r, w):
        break
r, w = pipes[-1]
got = r if ours is None or ours == r else w
for what, call in (('O_CREAT', lambda: os.open('x', os.O_CREAT | os.O_WRONLY,
                                                0o644, dir_fd=got)),
                   ('mkdir', lambda: os.mkdir('y', dir_fd=got)),
                   ('lstat', lambda: os.lstat(name, dir_fd=got))):
    try:
        call()
        print(d, what, 'ok')
    except OSError as e:
        print(d, what, e.strerror)
print(d, sorted(os.listdir(m + '/' + d)))
PY

action() {
	step '"$PYTHON" "$T/probe.py" "$M" c b'
	step '"$PYTHON" "$T/probe.py" "$M" p q'
}

compare_kernel_union cwdfd-number-reused setup action
UN_AS=nobody UN_NOBODY_LOWERS=both compare_kernel_union \
	cwdfd-number-reused-nobody setup action
un_done
