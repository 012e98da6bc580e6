#!/bin/bash
# proc-self-fd-lib-fds: a program that lists its own descriptors (ls
# /proc/self/fd, python's os.listdir of /proc/self/fd, fdinfo,
# /proc/PID/fd, /proc/thread-self/fd, /proc/PID/task/TID/fd) sees the
# ones it opened, and not the library's own (the whiteout table and its
# lock, the O_PATH descriptor of the cwd's lower copy: 900 and up),
# which a kernel overlay does not give it (preload/proc_fds.c).  A
# program that then closes every number it found (a closefrom emulation)
# goes on using the union.  As root and as nobody.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	local d=$1
	mkdir -p "$d/upper" "$d/lower1"
	mkf "$d/lower1/d/a" 644 aa
	mkf "$d/lower1/d/b" 644 bb
	mkf "$d/lower1/d/c" 644 cc
	local i
	for i in $(seq 1 20); do
		mkf "$d/lower1/e/f$i" 644 "$i"
	done
	mkf "$d/upper/e/u" 644 u	# (e merged: cwdfd.c's case)
	fix_times "$d"
}

cat >"$T/probe.py" <<'PY'
import os, sys

m = sys.argv[1]
os.chdir(m + '/d')
os.unlink('a')			# a whiteout: the table opened
for _ in range(20):		# (the 16th lookup opens cwdfd.c's)
    os.lstat('b')
mine = os.open('b', os.O_RDONLY)
pid = os.getpid()
for kind, path in (('self', '/proc/self/fd'),
                   ('fdinfo', '/proc/self/fdinfo'),
                   ('pid', '/proc/%d/fd' % pid),
                   ('thread-self', '/proc/thread-self/fd'),
                   ('task', '/proc/%d/task/%d/fd/' % (pid, pid))):
    names = [int(n) for n in os.listdir(path)]
    print(kind, 'mine shown' if mine in names else 'mine MISSING',
          'high:', sorted(n for n in names if n >= 900))
# Close every number found but the standard three, as a closefrom
# emulation does, then go on.
for n in os.listdir('/proc/self/fd'):
    if int(n) > 2:
        try:
            os.close(int(n))
        except OSError:
            pass
os.unlink('b')
with open('new', 'w') as f:
    f.write('n\n')
print('after closing:', sorted(os.listdir('.')), sorted(os.listdir(m)))
PY

action() {
	step '"$PYTHON" "$T/probe.py" "$M"'
	# ls -l from a merged cwd: its 16th lookup of a lower name opens
	# cwdfd.c's descriptor before it lists /proc/self/fd.
	step 'cd "$M/e" && ls -l . /proc/self/fd | grep -c " 9[0-9][0-9] ->"'
	step 'ls -A "$M/d"'
}

compare_kernel_union proc-self-fd-lib-fds setup action
UN_AS=nobody UN_NOBODY_LOWERS=both compare_kernel_union \
	proc-self-fd-lib-fds-nobody setup action
un_done
