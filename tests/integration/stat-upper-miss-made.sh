#!/bin/bash
# stat-upper-miss-made: a process stats one name of a merged directory
# again and again, the name absent from the upper (a lower's file, or
# no layer's); the upper's lstat, which answered ENOENT the first time,
# is spared while the union's names stamp reads what it read before
# that lstat (dcache.c's memo of the last upper miss, struct dcache
# umiss; bench/README.md "Session 19 (stat19)").  Then the name is made
# in the upper, and the next stat must show the upper's object, as
# through the kernel:
#  - by another process of the union (a child `sh -c`): a copy-up of
#    the lower file (chmod), a file made where no layer had the name,
#    a mkdir, a rename onto the name, a symlink; from the cwd ("d/f"),
#    from a cwd in the directory ("f"), from a descriptor of it, and by
#    absolute path;
#  - by this process through another entry point than the stats': the
#    same name reached by another spelling (absolute, by descriptor)
#    for open(O_CREAT), mkdir, link, rename, mknod of a fifo, chmod and
#    open(O_WRONLY) of the lower file (copy-ups), utime, and in another
#    thread;
#  - a lower file removed (its whiteout recorded) and made again;
#  - as root, then as nobody after setuid (root only): the upper's copy
#    of the directory refuses nobody its search (EACCES).
# Each case in its own directory, so that no name set is learnt there
# (the third distinct name missed: un_dcache_upper_missed) and the
# memo alone answers.  Fails with the memo trusted past the stamp (its
# stamp not compared): the second stat after each change shows the
# lower's file, or ENOENT.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

CASES="chmod creat mkdir rename symlink cwd fd abs \
	own_creat own_mkdir own_link own_rename own_fifo own_chmod \
	own_wronly own_utime own_thread own_fdcreat gone"

setup() {
	local c
	mkdir -p "$1/upper" "$1/lower1"
	for c in $CASES; do
		mkdir -p "$1/upper/$c" "$1/lower1/$c"
		echo "up-$c" >"$1/upper/$c/u"
		echo "lower-$c" >"$1/lower1/$c/f"
		chmod 644 "$1/lower1/$c/f"
	done
	fix_times "$1"
}

cat >"$T/probe.py" <<'PY'
import os, subprocess, sys, threading

m = sys.argv[1]
os.chdir(m)

def show(tag, n, fd=None):
    try:
        st = os.stat(n, dir_fd=fd, follow_symlinks=False)
        print(tag, n, oct(st.st_mode), st.st_size)
    except OSError as e:
        print(tag, n, 'error', e.strerror)

def twice(n, fd=None):
    show('before', n, fd)
    show('again', n, fd)

def child(script):
    subprocess.run(['sh', '-c', script], check=True)

# Another process of the union makes the name in the upper.
twice('chmod/f'); child('chmod 600 chmod/f'); show('after', 'chmod/f')
twice('creat/n'); child('echo made >creat/n'); show('after', 'creat/n')
twice('mkdir/n'); child('mkdir mkdir/n'); show('after', 'mkdir/n')
twice('rename/n'); child('mv rename/u rename/n'); show('after', 'rename/n')
twice('symlink/n'); child('ln -s f symlink/n'); show('after', 'symlink/n')
# From a cwd in the directory, a descriptor of it, an absolute path.
os.chdir('cwd')
twice('f'); child('chmod 600 f'); show('after', 'f')
twice('n'); child('echo made >n'); show('after', 'n')
os.chdir(m)
fd = os.open('fd', os.O_RDONLY | os.O_DIRECTORY)
twice('f', fd); child('chmod 600 fd/f'); show('after', 'f', fd)
twice('n', fd); child('echo made >fd/n'); show('after', 'n', fd)
os.close(fd)
a = os.path.join(m, 'abs')
twice(a + '/f'); child('chmod 600 abs/f'); show('after', a + '/f')
twice(a + '/n'); child('echo made >abs/n'); show('after', a + '/n')

# This process makes it, through another entry point than the stats'.
twice('own_creat/n')
os.close(os.open(os.path.join(m, 'own_creat/n'), os.O_CREAT | os.O_WRONLY, 0o640))
show('after', 'own_creat/n')
twice('own_mkdir/n'); os.mkdir(os.path.join(m, 'own_mkdir/n'), 0o750)
show('after', 'own_mkdir/n')
twice('own_link/n'); os.link(os.path.join(m, 'own_link/u'), 'own_link/n')
show('after', 'own_link/n')
twice('own_rename/n')
os.rename(os.path.join(m, 'own_rename/u'), os.path.join(m, 'own_rename/n'))
show('after', 'own_rename/n')
twice('own_fifo/n'); os.mkfifo(os.path.join(m, 'own_fifo/n'), 0o600)
show('after', 'own_fifo/n')
twice('own_chmod/f'); os.chmod(os.path.join(m, 'own_chmod/f'), 0o604)
show('after', 'own_chmod/f')
twice('own_wronly/f')
wfd = os.open(os.path.join(m, 'own_wronly/f'), os.O_WRONLY | os.O_APPEND)
os.write(wfd, b'more\n'); os.close(wfd)
show('after', 'own_wronly/f')
twice('own_utime/f'); os.utime(os.path.join(m, 'own_utime/f'), (1, 2))
show('after', 'own_utime/f')
twice('own_thread/n')
t = threading.Thread(target=lambda: os.mkdir('own_thread/n', 0o700))
t.start(); t.join()
show('after', 'own_thread/n')
twice('own_fdcreat/n')
dfd = os.open('own_fdcreat', os.O_RDONLY | os.O_DIRECTORY)
os.close(os.open('n', os.O_CREAT | os.O_WRONLY, 0o600, dir_fd=dfd))
os.close(dfd)
show('after', 'own_fdcreat/n')

# A lower file removed (a whiteout recorded), then made again.
twice('gone/f'); os.unlink(os.path.join(m, 'gone/f'))
show('removed', 'gone/f'); show('removed-again', 'gone/f')
child('echo back >gone/f'); show('made', 'gone/f')
PY

action() {
	step '"$PYTHON" "$T/probe.py" "$M"'
}

compare_kernel_union stat-upper-miss-made setup action
UN_AS=nobody UN_NOBODY_LOWERS=both compare_kernel_union \
	stat-upper-miss-made-nobody setup action

# The upper's lstat spared is also its search permission's check: a
# process that stats a lower name as root, then drops to nobody, must
# meet the refusal of the upper's copy of the directory (0700, root's;
# the lower's 0755), as through the kernel (EACCES).  Fails with the
# memo's credentials' stamp not compared (the lower's file found).
setup_cred() {
	mkdir -p "$1/upper/p" "$1/lower1/p"
	echo up >"$1/upper/p/u"
	echo low >"$1/lower1/p/f"
	chmod 700 "$1/upper/p"
	chmod 755 "$1/lower1/p"
	fix_times "$1"
}

cat >"$T/cred.py" <<'PY'
import os, sys

os.chdir(sys.argv[1])
def show(tag, n):
    try:
        st = os.stat(n, follow_symlinks=False)
        print(tag, n, oct(st.st_mode), st.st_size)
    except OSError as e:
        print(tag, n, 'error', e.strerror)
show('root', 'p/f'); show('root-again', 'p/f')
os.setgid(65534); os.setuid(65534)
show('nobody', 'p/f'); show('nobody-again', 'p/f')
PY

action_cred() {
	step '"$PYTHON" "$T/cred.py" "$M"'
}

if is_root; then
	compare_kernel_union stat-upper-miss-made-setuid setup_cred action_cred
fi
un_done
