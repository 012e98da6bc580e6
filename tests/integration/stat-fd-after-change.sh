#!/bin/bash
# stat-fd-after-change: a process stats names relative to directory
# descriptors (fstatat(fd, "name", AT_SYMLINK_NOFOLLOW), as find's fts
# does every name it reads, and du, tar), a child process changes the
# union between two stats (copies a lower directory up by making a name
# in it or by a chmod, removes a name, renames one, removes the
# descriptor's directory, replaces a sibling), and the next stat through
# the same descriptor, or a dup of it, must see the change, as through
# the kernel.  namei.c lookup_fd_near takes a plain name from the layers
# kept with the descriptor (fdtab's, put by settle_fd) or from the
# directory cache, while the union's stamp is the one they were found
# at: it fails with the stamp not compared (`made`: the lower-only
# layers kept past the child's copy-up, new missing).  As nobody too:
# a chmod that takes x from the descriptor's directory (the copy-up's
# mode) answers EACCES, from its parent nothing changes.  The same
# descriptors open names for reading after their stat (tar's
# openat(dirfd, name) after its fstatat: the memo of the last file) and
# directories with O_DIRECTORY (fts's), whose listings must follow a
# replacement: it fails so too (`made cat new`, `sub-replaced ls sub`).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	mkdir -p "$1/upper/m" "$1/lower1/d/sub" "$1/lower1/m" "$1/lower1/g/w"
	mkdir -p "$1/lower1/r/gone" "$1/lower1/p/q"
	echo a >"$1/lower1/d/a"
	echo bb >"$1/lower1/d/b"
	echo s >"$1/lower1/d/sub/s"
	echo up >"$1/upper/m/u"
	echo lo >"$1/lower1/m/l"
	echo ll >"$1/lower1/m/x"
	echo u >"$1/lower1/g/w/u"
	echo z >"$1/lower1/r/gone/z"
	echo y >"$1/lower1/p/q/y"
	ln -s a "$1/lower1/d/ln"
	fix_times "$1"
}

cat >"$T/probe.py" <<'PY'
import os, stat, subprocess, sys

m = sys.argv[1]
os.chdir(m)

def look(tag, fd, *names):
    for n in names:
        try:
            st = os.stat(n, dir_fd=fd, follow_symlinks=False)
            k = ('dir' if stat.S_ISDIR(st.st_mode) else
                 'link' if stat.S_ISLNK(st.st_mode) else st.st_size)
            print(tag, n, k, oct(st.st_mode & 0o777))
        except OSError as e:
            print(tag, n, 'error', e.strerror)

def cat(tag, fd, *names):
    # open(dirfd, name) after the stat of that name: lookup_fd_near's
    # open for reading (the memo of the last file, lookup_cached)
    for n in names:
        try:
            os.stat(n, dir_fd=fd, follow_symlinks=False)
        except OSError:
            pass
        try:
            f = os.open(n, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=fd)
            try:
                print(tag, 'cat', n, os.read(f, 100))
            finally:
                os.close(f)
        except OSError as e:
            print(tag, 'cat', n, 'error', e.strerror)

def ls(tag, fd, *names):
    # openat(dirfd, name, O_DIRECTORY) then its listing, as fts does
    for n in names:
        try:
            f = os.open(n, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW,
                        dir_fd=fd)
            try:
                print(tag, 'ls', n, sorted(os.listdir(f)))
            finally:
                os.close(f)
        except OSError as e:
            print(tag, 'ls', n, 'error', e.strerror)

def child(script):
    subprocess.run(['sh', '-c', script], check=True)

def dopen(p):
    return os.open(p, os.O_RDONLY | os.O_DIRECTORY)

d = dopen('d')
look('first', d, 'a', 'b', 'new', 'sub', 'ln', 'a', 'new')
cat('first', d, 'a', 'b', 'new', 'ln', 'sub')
ls('first', d, 'sub', 'a', 'ln', 'none')
child('echo new >d/new')
look('made', d, 'new', 'a', 'b', 'new')
cat('made', d, 'new', 'a')
d2 = os.dup(d)
look('dup', d2, 'new', 'a')
cat('dup', d2, 'a')
child('rm d/a')
look('removed', d, 'a', 'b', 'new')
cat('removed', d, 'a', 'b')
look('removed-dup', d2, 'a', 'b')
child('mv d/b d/b2')
look('renamed', d, 'b', 'b2', 'new')
child('echo aaaa >d/a')
look('remade', d, 'a', 'b2')
cat('remade', d, 'a', 'b2', 'b')
child('echo bbbbbb >d/b2')
cat('rewritten', d, 'b2')
ls('sub-before', d, 'sub')
child('rm -r d/sub && mkdir d/sub && echo t >d/sub/t')
ls('sub-replaced', d, 'sub')

mm = dopen('m')
look('merged', mm, 'u', 'l', 'x', 'none')
cat('merged', mm, 'l', 'x', 'u')
child('echo changed >m/l; rm m/x; echo back >m/x2')
look('merged-changed', mm, 'l', 'x', 'x2', 'u')
cat('merged-changed', mm, 'l', 'x', 'x2', 'u')

s = dopen('d/sub')
look('sub', s, 's', 's')
child('chmod 600 d/sub')
look('sub-600', s, 's', 'none')
child('chmod 755 d/sub')
look('sub-755', s, 's')

w = dopen('g/w')
look('gw', w, 'u', 'u')
child('chmod 600 g')
look('gw-parent-600', w, 'u', 'v')
child('chmod 755 g')

r = dopen('r/gone')
look('gone', r, 'z', 'z')
child('rm -r r/gone')
look('gone-removed', r, 'z', 'zz')

q = dopen('p/q')
look('q', q, 'y', 'y')
child('mkdir p/q2 && echo yy >p/q2/y && mv p/q2 p/q3')
look('q-sibling', q, 'y', 'q3')
pp = dopen('p')
look('p', pp, 'q', 'q3', 'q2')
ls('p', pp, 'q', 'q3')
child('echo yyy >p/q3/y2')
ls('p-changed', pp, 'q3')
for f in (d, d2, mm, s, w, r, q, pp):
    os.close(f)
PY

action() {
	step '"$PYTHON" "$T/probe.py" "$M"'
}

compare_kernel_union stat-fd-after-change setup action
UN_AS=nobody UN_NOBODY_LOWERS=both compare_kernel_union \
	stat-fd-after-change-nobody setup action
un_done
