#!/bin/bash
# long-fd-proc-reopen: /proc/self/fd/N (and /dev/fd/N) of a descriptor opened read-only (or O_PATH) on a lower's file or directory below PATH_MAX's depth (30 names of 200 bytes): an O_RDWR or O_TRUNC reopen, chmod, truncate, utime, setxattr through a file's link, a create, a mkdir, an O_RDWR open below a directory's link; as root and as nobody.  namei.c proc_fd_path_in read the descriptor's merged path into a PATH_MAX buffer: too long, the magic link went to the kernel as it was, which follows it to the LOWER's copy (the write, the mode, the new names landed in the lower).  Now a directory's link is looked up from the descriptor (namei.c proc_fd_deep: as the kernel, compared with it); a file's own link that deep is refused (ENAMETOOLONG, where the kernel follows it: libunion alone, the lowers unchanged).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_kernel_overlay

setup() {
	mkdir -p "$1/upper" "$1/lower1"
	PYTHONPATH="$TOP_SRCDIR/tests/prog" "$PYTHON" -B - "$1" <<'PY'
import os, sys
from deep import *
for layer in ("upper", "lower1"):
    fd = chain_at(os.path.join(sys.argv[1], layer))
    if layer == "lower1":
        os.mkdir("ld", 0o755, dir_fd=fd)
        for f in ("lo", "lo2", "lo3", "lo4", "lo5", "ld/in"):
            put(fd, f, b"lower\n", old=True)
        os.utime("ld", OLD, dir_fd=fd)
    stamp_up(fd)
PY
	chmod -R a+rX "$1"/lower1
}

action_dir() {
	stepx <<'EOS'
PYTHONPATH="$TOP_SRCDIR/tests/prog" "$PYTHON" -B - <<'PY'
from deep import *
down(os.environ["M"] + "/deep")
dfd = os.open("ld", os.O_RDONLY | os.O_DIRECTORY)
t("create proc ld/new", lambda: os.close(os.open("/proc/self/fd/%d/new" % dfd, os.O_WRONLY | os.O_CREAT, 0o644)))
t("mkdir dev ld/sub", lambda: os.mkdir("/dev/fd/%d/sub" % dfd))
def rdwr(p):
    w = os.open(p, os.O_RDWR)
    os.write(w, b"X")
    os.close(w)
t("open proc ld/in rdwr", lambda: rdwr("/proc/self/fd/%d/in" % dfd))
t("chmod proc ld", lambda: os.chmod("/proc/self/fd/%d" % dfd, 0o700))
t("listdir proc ld", lambda: sorted(os.listdir("/proc/self/fd/%d/" % dfd)))
t("stat proc ld/..", lambda: os.stat("/proc/self/fd/%d/.." % dfd).st_nlink)
st = os.stat("ld/in")
print("ld/in", oct(st.st_mode & 0o777), st.st_size, open("ld/in").read().strip())
print("ld", oct(os.stat("ld").st_mode & 0o777), sorted(os.listdir("ld")))
# freopen of a file that deep: the stream's descriptor stands for the
# merged path too (wrap_open.c freopen_record; unrecorded, it could not
# be placed again and its fchmod was refused).
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.fopen.restype = libc.freopen.restype = ctypes.c_void_p
fp = libc.fopen(b"/dev/null", b"r")
fp = libc.freopen(b"lo5", b"r", ctypes.c_void_p(fp))
t("fchmod freopen lo5", lambda: os.chmod(libc.fileno(ctypes.c_void_p(fp)), 0o600))
print("lo5", oct(os.stat("lo5").st_mode & 0o777), open("lo5").read().strip())
PY
EOS
}

action_file() {
	stepx <<'EOS'
PYTHONPATH="$TOP_SRCDIR/tests/prog" "$PYTHON" -B - <<'PY'
from deep import *
down(os.environ["M"] + "/deep")
def reopen(fd, flags, data=None):
    w = os.open("/proc/self/fd/%d" % fd, flags)
    if data:
        os.write(w, data)
    os.close(w)
fd = os.open("lo", os.O_RDONLY)
t("reopen rdwr lo", lambda: reopen(fd, os.O_RDWR, b"UNION"))
fd2 = os.open("lo2", os.O_RDONLY)
t("reopen trunc lo2", lambda: reopen(fd2, os.O_WRONLY | os.O_TRUNC))
fd3 = os.open("lo3", os.O_PATH)
t("chmod proc lo3", lambda: os.chmod("/proc/self/fd/%d" % fd3, 0o600))
t("truncate dev lo3", lambda: os.truncate("/dev/fd/%d" % fd3, 2))
t("utime proc lo3", lambda: os.utime("/proc/self/fd/%d" % fd3, (1234567890, 1234567890)))
fd4 = os.open("lo4", os.O_RDONLY)
t("setxattr proc lo4", lambda: os.setxattr("/proc/self/fd/%d" % fd4, "user.t", b"v"))
for f in ("lo", "lo2", "lo3", "lo4"):
    st = os.stat(f)
    print(f, oct(st.st_mode & 0o777), st.st_size, st.st_mtime, open(f).read().strip())
PY
EOS
}

# The file's refusal, libunion alone: every change refused, the lowers
# unchanged (lowers_check).
file_refused() {
	local out=$T/$1/union.out
	pass_ran "$1" || return 0
	if [ "$(grep -c '^[a-z]* [a-z]* lo[0-9]* File name too long$' "$out")" != 6 ] ||
		! grep -q '^lo 0o644 6 1000000000.0 lower$' "$out"; then
		fail "$1: a change through a deep file's /proc link not refused"
		grep -v nnnnnnnnnn "$out" >&2
	fi
}

UN_KERNEL_OPTS=userxattr compare_kernel_union long-fd-proc-reopen setup action_dir
UN_KERNEL_OPTS=userxattr UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union long-fd-proc-reopen-nobody setup action_dir
UN_UNION_ONLY=1 compare_kernel_union long-fd-proc-file setup action_file
file_refused long-fd-proc-file
UN_UNION_ONLY=1 UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union long-fd-proc-file-nobody setup action_file
file_refused long-fd-proc-file-nobody
un_done
