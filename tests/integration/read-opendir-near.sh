#!/bin/bash
# read-opendir-near: opendir of names relative to a merged cwd, as git
# status reads its tree ("d/", "d/s/", the trailing slash kept), after
# lstats of the same names filled the directory cache: namei.c
# lookup_near takes them without the walk (near_open), the name without
# its slashes, which must then be a directory.  A symlink to a directory
# named with a slash is followed in the union (its lstat in the layer
# with the slash would follow it there: fails with the cwd's start kept
# for a slashed name, d/um/ listed as its upper copy alone); a
# file with a slash is ENOTDIR, a name absent ENOENT; a directory
# another process replaced between two listings is listed anew.  From
# the root and from a cwd below it; the same names opened with
# O_DIRECTORY (wrap_open.c's open for reading of a directory takes the
# same way), with and without O_NOFOLLOW.  As root and as nobody owning
# the lowers.  (A slashed name found a file returns to the walk, which
# answers ENOTDIR: opendir's and open's own checks answer the same, so
# nothing here fails without that return.)
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	mkf "$1/upper/d/u" 644 "d/u, upper"
	mkf "$1/lower1/d/l" 644 "d/l, lower1"
	mkf "$1/lower1/d/s/sl" 644 "d/s/sl, lower1"
	mkf "$1/upper/d/m/mu" 644 "d/m/mu, upper"
	mkf "$1/lower1/d/m/ml" 644 "d/m/ml, lower1"
	mkf "$1/lower1/e/f" 644 "e/f, lower1"
	mkf "$1/lower1/e/t/tl" 644 "e/t/tl, lower1"
	ln -s m "$1/lower1/d/lm"
	ln -s m "$1/upper/d/um"
	ln -s ../d "$1/lower1/e/ld"
	ln -s f "$1/lower1/e/lf"
	ln -s nope "$1/lower1/e/dangling"
	if [ "${UN_AS:-root}" = nobody ]; then
		chown -hR 65534:65534 "$1"/lower* "$1/upper"
	fi
	fix_times "$1"
}

cat >"$T/probe.py" <<'PY'
import os, subprocess, sys

os.chdir(sys.argv[1])

def ls(tag, *names):
    for n in names:
        try:
            os.lstat(n.rstrip('/') or n)
        except OSError:
            pass
        try:
            print(tag, n, sorted(os.listdir(n)))
        except OSError as e:
            print(tag, n, 'error', e.strerror)

def op(tag, *names):
    for n in names:
        for nf in (0, os.O_NOFOLLOW):
            try:
                fd = os.open(n, os.O_RDONLY | os.O_DIRECTORY | nf)
                print(tag, n, nf, 'open', sorted(os.listdir(fd)))
                os.close(fd)
            except OSError as e:
                print(tag, n, nf, 'open error', e.strerror)

def child(script):
    subprocess.run(['sh', '-c', script], check=True)

names = ('d/', 'd', 'd/s/', 'd/m/', 'd/lm/', 'd/lm', 'd/um/', 'd//m//',
         'e/t/',
         'e/ld/', 'e/ld/m/', 'e/f/', 'e/lf/', 'e/dangling/', 'e/nope/',
         'd/u/', 'e/', 'e/t/tl/')
ls('root', *names)
ls('again', *names)
op('open', *names)
child('rm -r d/m && mkdir d/m && echo n >d/m/n')
ls('replaced', 'd/m/', 'd/lm/', 'd/um/', 'd/s/', 'd/m/')
os.chdir('d')
ls('d', 's/', 'm/', 'lm/', 'um/', 'u/', 's', 'lm', 'nope/', '../e/t/')
child('mkdir s/new')
ls('d-made', 's/', 's/new/', 'm/')
op('d-open', 's/', 'um/', 'um', 'lm/', 'u/', 'u', 'nope/')
PY

action() {
	step '"$PYTHON" "$T/probe.py" "$M"'
}

compare_kernel_union read-opendir-near setup action
UN_AS=nobody UN_NOBODY_LOWERS=both compare_kernel_union \
	read-opendir-near-nobody setup action
un_done
