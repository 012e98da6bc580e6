#!/bin/bash
# stat-same-dir-after-change: a process stats names in one directory
# after another (as git status does its index), a child process changes
# that directory between two stats (copies it up by making a name in
# it, removes a name, replaces a lower subdirectory), and the next stat
# in the same directory must see the change, as through the kernel.
# The directory cache tries the entry of its last hit before hashing the
# path (dcache.c un_dcache_get, `last`): this catches a hit that
# outlives the change (the union's stamp is what tells).  Then the same
# from a cwd below the root, in a directory of the lower alone: the
# layers of the cwd are kept for its relative lookups (dcache.c
# un_dcache_cwd_get) while the cwd and the union's stamp stand; a
# chdir from a directory of the lower alone, settled anew after a
# copy-up elsewhere, back to a merged one (fails with the count not
# compared: the lower one's layers kept for the merged one).  The same
# for a directory reached by a relative part (w/ from g, then from e:
# un_dcache_rel_get, kept with the cwd's count and the stamp), and for
# namei.c lookup_near, which takes that part's directory path from the
# memo (k/ from the root, then from k: fails with the count not
# compared, the root's k/f answered for k's), and for its probe of the
# directory cache when the memo holds another part of the same cwd
# (dcache.c un_dcache_rel_near: k/ again, and p/q replaced after p/s
# took the memo); that probe's answer is the directory's layers, not
# its parent's (x/y made opaque: x/y/f after x/z took the memo and x/y
# was stat'ed; fails with rel_near answering the parent's, x's, which
# finds the lower's x/y/f).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	mkdir -p "$1/upper" "$1/lower1/d/sub" "$1/lower1/e"
	echo a >"$1/lower1/d/a"
	echo b >"$1/lower1/d/b"
	echo s >"$1/lower1/d/sub/s"
	echo e >"$1/lower1/e/x"
	mkdir -p "$1/lower1/g/w" "$1/lower1/h"
	echo z >"$1/lower1/g/z"
	echo u >"$1/lower1/g/w/u"
	echo q >"$1/lower1/h/q"
	mkdir -p "$1/lower1/k/k"
	echo k >"$1/lower1/k/f"
	echo oo >"$1/lower1/k/k/o"
	mkdir -p "$1/lower1/p/q"
	echo r >"$1/lower1/p/q/r"
	echo s >"$1/lower1/p/s"
	mkdir -p "$1/lower1/x/y"
	echo f >"$1/lower1/x/y/f"
	echo z >"$1/lower1/x/z"
	fix_times "$1"
}

cat >"$T/probe.py" <<'PY'
import os, subprocess, sys

m = sys.argv[1]
os.chdir(m)

def look(tag, *names):
    for n in names:
        try:
            st = os.lstat(n)
            print(tag, n, 'dir' if os.path.isdir(n) else st.st_size)
        except OSError as e:
            print(tag, n, 'error', e.strerror)

def child(script):
    subprocess.run(['sh', '-c', script], check=True)

look('first', 'd/a', 'd/b', 'd/new', 'd/sub/s', 'd/sub/t')
child('echo new >d/new')
look('made', 'd/new', 'd/a', 'd/b')
child('rm d/a')
look('removed', 'd/a', 'd/b', 'd/new')
look('sub', 'd/sub/s', 'd/sub/s', 'd/sub/t')
child('rm -r d/sub && mkdir d/sub && echo tt >d/sub/t')
look('replaced', 'd/sub/t', 'd/sub/s', 'd/sub/t')
os.chdir('e')
look('cwd', 'x', 'y', 'x')
child('echo yy >y')
look('cwd-made', 'y', 'x', 'y')
child('rm x')
look('cwd-removed', 'x', 'y')
child('mkdir w && echo ww >w/v')
look('cwd-sub', 'w/v', 'y', 'w/v')
os.chdir('..')
look('back', 'e/y', 'e/x', 'd/b')
os.chdir('e')
look('again', 'y', 'w/v', 'x')
os.chdir('../g')
child('echo r >../h/r')
look('g', 'z', 'y', 'w/u', 'w/v')
os.chdir('../e')
look('e', 'y', 'w/v', 'z', 'w/u')
os.chdir('..')
look('root', 'g/w/u', 'e/w/v', 'e/w/u')
child('echo nv >g/w/v')
look('root-made', 'g/w/u', 'g/w/v', 'e/w/v')
look('root-k', 'k/f', 'k/f')
os.chdir('k')
look('k', 'k/f', 'k/o', 'f')
os.chdir('..')
look('p', 'p/q', 'p/q/r', 'p/s', 'p/q/r', 'p/s')
child('rm -r p/q && mkdir p/q && echo n >p/q/n')
look('p-replaced', 'p/q/n', 'p/q/r')
child('rm -r x/y && mkdir x/y')
look('opaque', 'x/z', 'x/y', 'x/y/f', 'x/y/f')
PY

action() {
	step '"$PYTHON" "$T/probe.py" "$M"'
}

compare_kernel_union stat-same-dir-after-change setup action
UN_AS=nobody UN_NOBODY_LOWERS=both compare_kernel_union \
	stat-same-dir-after-change-nobody setup action
un_done
