#!/bin/bash
# stat-lower-whiteout-by-other: a process stats names of a directory of
# the lower alone (as git status does its index, below a fresh upper),
# relative to its cwd and to a descriptor of the directory, while the
# union has no whiteout at all; a child process removes one of those
# names (the union's first record), and the next stat of it must answer
# ENOENT, as through the kernel; the next names too once the child
# makes the name again, then removes a second one.  A lookup reads the
# table's stamps once before its stats, and when the table is known
# empty then, asks it nothing for a lower name (dcache.c
# un_dcache_stamps' empty, namei.c lookup_single's no_records).  The
# library never leaves a record below a directory of the lowers alone
# (the rm copies d up first), so a second part, under libunion alone,
# makes that state behind its back: the upper's copy of d removed by a
# process without the library, its record of d/a left.  The walk then
# answers d/a ENOENT (the table's record of a lower name), and so must
# the short way of the next lookups in d (namei.c lookup_near,
# lookup_fd_near): fails with no_records always set (d/a found by the
# third stat, from the cwd and from a descriptor).  There too (the
# kernel's listing of a lower-only directory shows such a name), the
# stat-only way (UN_LK_STATONLY: a stat through the cwd's descriptor of
# the lower's copy, or through a descriptor standing in the lower, with
# no layer path joined) must still hide an overlayfs whiteout (char
# 0/0) of a lower, as the kernel's lookup does: w/gone, after twenty
# stats in w from the merged root (the descriptor is opened at the
# sixteenth), and through a descriptor of w (fails with the stat-only
# way's answer taken without the device's test: w/gone found, from the
# cwd and from the descriptor).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	mkdir -p "$1/upper" "$1/lower1/d/s" "$1/lower1/e"
	for n in a b c; do echo "$n" >"$1/lower1/d/$n"; done
	for n in f g; do echo "$n" >"$1/lower1/d/s/$n"; done
	for n in x y; do echo "$n" >"$1/lower1/e/$n"; done
	fix_times "$1"
}

cat >"$T/probe.py" <<'PY'
import os, subprocess, sys

m = sys.argv[1]
os.chdir(m)

def look(tag, *names, fd=None):
    for n in names:
        try:
            st = os.lstat(n) if fd is None else os.stat(
                n, dir_fd=fd, follow_symlinks=False)
            print(tag, n, st.st_size)
        except OSError as e:
            print(tag, n, 'error', e.strerror)

def child(script):
    subprocess.run(['sh', '-c', script], check=True)

# From the cwd: d/s, then d/s/f and d/s/g (git's order), then d's.
look('first', 'd/s', 'd/s/f', 'd/s/g', 'd/a', 'd/b', 'd/c')
look('again', 'd/a', 'd/b', 'd/a')
child('rm d/a')
look('removed', 'd/a', 'd/b', 'd/c', 'd/a')
child('rm d/s/g')
look('removed-s', 'd/s/f', 'd/s/g', 'd/s/f')
# From a descriptor of a directory of the lower alone (find's, tar's).
fd = os.open('e', os.O_RDONLY | os.O_DIRECTORY)
look('fd', 'x', 'y', 'x', fd=fd)
child('rm e/x')
look('fd-removed', 'x', 'y', 'x', fd=fd)
child('echo xx >e/x && rm e/y')
look('fd-made', 'x', 'y', 'x', fd=fd)
os.close(fd)
# From a cwd in a directory of the lower alone.
os.chdir('d')
look('cwd', 'b', 'c', 'b')
child('rm b')
look('cwd-removed', 'b', 'c', 'b')
PY

action() {
	step '"$PYTHON" "$T/probe.py" "$M"'
}

compare_kernel_union stat-lower-whiteout-by-other setup action
UN_AS=nobody UN_NOBODY_LOWERS=both compare_kernel_union \
	stat-lower-whiteout-by-other-nobody setup action

cat >"$T/left.py" <<'PY'
import os, sys

os.chdir(sys.argv[1])
out = []
def look(n, fd=None):
    try:
        os.stat(n, dir_fd=fd, follow_symlinks=False)
        out.append(n + ' found')
    except OSError as e:
        out.append(n + ' ' + e.strerror)
for n in ('d/b', 'd/a', 'd/c', 'd/a', 'd/b', 'd/a'):
    look(n)
fd = os.open('d', os.O_RDONLY | os.O_DIRECTORY)
for n in ('b', 'a', 'c', 'a'):
    look(n, fd)
print(' / '.join(out))
out = []
for i in range(1, 21):
    look('w/f%d' % i)
out = []
for n in ('w/gone', 'w/f1', 'w/gone'):
    look(n)
fd = os.open('w', os.O_RDONLY | os.O_DIRECTORY)
for n in ('f1', 'gone', 'f2', 'gone'):
    look(n, fd)
print(' / '.join(out))
PY

# left WHO RUN: the second part, as WHO (run_self_then_nobody).
left() {
	local d=$T/left-$1 run=$2 got
	mkdir -p "$d/upper" "$d/lower/d" "$d/m"
	for n in a b c; do echo "$n" >"$d/lower/d/$n"; done
	mkdir -p "$d/lower/w"
	for n in $(seq 20); do echo "$n" >"$d/lower/w/f$n"; done
	mknod "$d/lower/w/gone" c 0 0
	echo top >"$d/upper/top"	# (the real cwd at the root: the upper's)
	[ "$1" = self ] || chown -R 65534:65534 "$d"
	un_run "$d/m" "$d/upper" "$d/lower" -- $run rm "$d/m/d/a"
	[ -d "$d/upper/d" ] || fail "left ($1): rm d/a made no upper d"
	rm -rf "$d/upper/d"	# (behind the library's back)
	got=$(un_run "$d/m" "$d/upper" "$d/lower" -- \
		$run "$PYTHON" "$T/left.py" "$d/m")
	expect_eq "left ($1): d/a's record answers every lookup in d" \
		"d/b found / d/a No such file or directory / d/c found / d/a No such file or directory / d/b found / d/a No such file or directory / b found / a No such file or directory / c found / a No such file or directory
w/gone No such file or directory / w/f1 found / w/gone No such file or directory / f1 found / gone No such file or directory / f2 found / gone No such file or directory" \
		"$got"
}

if [ -z "$UN_HARNESS" ]; then
	run_self_then_nobody left
fi
un_done
