#!/bin/bash
# cwd-layer-fds: names relative to a merged cwd that live in a lower
# other than the one the real cwd stands on are asked of the library's
# O_PATH descriptor of the cwd's copy in that lower (preload/cwdfd.c),
# opened at the 16th such lookup and valid while the cwd's change count
# stands.  Each answer after a change must be the kernel's: a whiteout
# over a lower name, an upper copy of a lower-only directory, the cwd
# copied up by another process, its upper copy removed and made again,
# the cwd "renamed" by another process (mv copies a merged directory),
# the program's close_range(3, ~0U, 0) and closefrom(3), a dup2 onto the
# library's numbers, chdir between directories whose lowers hold the
# same relative names, ulimit -n 16 (no descriptor at the library's
# numbers: the path answers), and threads looking up "f" while another
# chdir's round three directories (every answer one of theirs).  As
# root and as nobody.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	local d=$1
	mkdir -p "$d/upper" "$d/lower1" "$d/lower2"
	mkf "$d/upper/c/u" 644 u
	mkf "$d/lower1/c/a" 644 aa
	mkf "$d/lower1/c/x" 644 "x of lower1"
	mkf "$d/lower2/c/x" 644 "x of lower2"
	mkf "$d/lower2/c/b" 644 bbb
	mkf "$d/lower2/c/s/f" 644 ffff
	mkf "$d/lower2/c/o/of" 644 ooooo
	mkf "$d/lower2/c/w" 644 wwwwww
	mkf "$d/lower1/l/a1" 644 a1
	mkf "$d/lower1/l/f" 644 f-of-lower1
	mkf "$d/lower2/l/b2" 644 b22
	mkf "$d/lower2/l/f2" 644 f2-of-lower2
	mkf "$d/lower2/l/s/g" 644 g
	mkf "$d/upper/p/here" 644 h
	mkf "$d/lower1/p/one" 644 1
	mkf "$d/lower2/p/q/f" 644 p-q-f
	mkf "$d/lower2/p/g" 644 p-g
	mkf "$d/upper/r/here" 644 h
	mkf "$d/lower1/r/one" 644 1
	mkf "$d/lower2/r/q/f" 644 r-q-f-longer
	mkd "$d/lower2/r/g"
	mkf "$d/upper/t1/here" 644 h
	mkf "$d/lower2/t1/f" 644 1
	mkf "$d/upper/t2/f" 644 22
	mkf "$d/lower2/t2/g" 644 g
	mkf "$d/lower1/t3/one" 644 1
	mkf "$d/lower2/t3/f" 644 333
	fix_times "$d"
}

cat >"$T/probe.py" <<'PY'
import ctypes, os, subprocess, sys, threading

m = sys.argv[1]
mode = sys.argv[2]
libc = ctypes.CDLL(None, use_errno=True)

def look(tag, *names):
    # (Each name asked 20 times first: the library opens a lower's
    # descriptor at the 16th lookup that asks that lower from a cwd.)
    for _ in range(20):
        for n in names:
            try:
                os.lstat(n)
            except OSError:
                pass
    out = [tag]
    for n in names:
        try:
            st = os.lstat(n)
            out.append('%s:%s' % (n, 'dir' if os.path.isdir(n) else st.st_size))
        except OSError as e:
            out.append('%s:%s' % (n, e.strerror))
    print(' '.join(out), flush=True)

def child(script):
    subprocess.run(['sh', '-c', script], check=True)

if mode == 'changes':
    os.chdir(m + '/c')
    look('c', 'u', 'a', 'b', 'x', 's/f', 's', 'o/of', 'w', 'none', 's/none')
    child('rm w')
    look('c-whiteout', 'w', 'b', 'x')
    child('echo n >o/new')
    look('c-o-copied', 'o/of', 'o/new', 'o', 'b')
    libc.close_range(3, 0xffffffff, 0)
    look('c-close_range', 'b', 's/f', 'x', 'a')
    libc.closefrom(3)
    look('c-closefrom', 'b', 's/f', 'x', 'a')
    fd = os.open('/dev/null', os.O_RDONLY)
    for n in range(900, 916):
        os.dup2(fd, n)
    look('c-dup2', 'b', 's/f', 'x', 'a')
    for n in range(900, 916):
        os.close(n)
    os.close(fd)
    look('c-dup2-closed', 'b', 's/f', 'o/of')
    child('mv ../c ../c2')
    look('c-moved', 'u', 'a', 'b', 's/f', 'x')
    os.chdir(m + '/l')
    look('l', 'a1', 'b2', 'f', 'f2', 's/g')
    child('echo n >new')
    look('l-copied', 'a1', 'b2', 'f2', 'new', 's/g')
    child('cd .. && rm -rf l && mkdir l && echo z >l/z')
    look('l-again', 'a1', 'b2', 'z', 'new')
    os.chdir(m + '/l')
    look('l-new', 'z', 'a1', 'b2', 'f2')
    for i in range(3):
        os.chdir(m + '/p')
        look('p', 'q/f', 'g', 'one', 'here')
        os.chdir(m + '/r')
        look('r', 'q/f', 'g', 'one', 'here')
    os.chdir(m + '/c2')
    look('c2', 'u', 'a', 'b', 's/f', 'x', 'w')
elif mode == 'few':
    os.chdir(m + '/p')
    look('few-p', 'q/f', 'g', 'one', 'here', 'q/f')
    os.chdir(m + '/r')
    look('few-r', 'q/f', 'g', 'one', 'here')
elif mode == 'threads':
    # (t1/f, t2/f, t3/f: 2, 3 and 4 bytes; each looker's 2,000 lstats
    # overlap the chdirs, which go on until both are done.)
    dirs = [m + '/t1', m + '/t2', m + '/t3']
    bad = []

    def looker():
        for _ in range(2000):
            try:
                size = os.lstat('f').st_size
                if size not in (2, 3, 4):
                    bad.append(size)
            except OSError as e:
                bad.append(e.strerror)

    os.chdir(dirs[0])
    ts = [threading.Thread(target=looker) for _ in range(2)]
    for t in ts:
        t.start()
    i = 0
    while any(t.is_alive() for t in ts):
        i += 1
        os.chdir(dirs[i % 3])
    for t in ts:
        t.join()
    print('threads', 'ok' if not bad else sorted(set(map(str, bad))))
PY

action() {
	step '"$PYTHON" "$T/probe.py" "$M" changes'
	step 'ulimit -n 16 && "$PYTHON" "$T/probe.py" "$M" few'
	step '"$PYTHON" "$T/probe.py" "$M" threads'
}

compare_kernel_union cwd-layer-fds setup action
UN_AS=nobody UN_NOBODY_LOWERS=both compare_kernel_union \
	cwd-layer-fds-nobody setup action
un_done
