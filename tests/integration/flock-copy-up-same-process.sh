#!/bin/bash
# flock-copy-up-same-process: a process holds a flock through a read-only descriptor of a lower file, then opens it for writing (the copy-up) and asks another lock through the new descriptor: the kernel's lock is on the overlay inode, one across the copy-up, and refuses it; libunion's copy-up re-pointed the first descriptor at a new open file of the upper copy without its lock (granted, before session 17's fix: copy_up.c repoint_fd carries the flock /proc/self/fdinfo lists).  Another process asking meanwhile is refused too.  As root and as nobody, who owns the lowers.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_cmd flock

setup() {
	mkdir -p "$1/upper" "$1/lower1/d"
	echo data >"$1/lower1/d/f"
	echo data >"$1/lower1/d/g"
}

action() {
	stepx <<'PY'
cd "$M/d" && "$PYTHON" -c '
import fcntl, os, subprocess
def second(fd, how):
    try:
        fcntl.flock(fd, how | fcntl.LOCK_NB)
        return "granted"
    except OSError as e:
        return "refused" if e.errno == 11 else str(e.errno)
a = os.open("f", os.O_RDONLY)
fcntl.flock(a, fcntl.LOCK_EX | fcntl.LOCK_NB)
b = os.open("f", os.O_RDWR)
print("f ex, then ex:", second(b, fcntl.LOCK_EX), "sh:", second(b, fcntl.LOCK_SH))
os.write(b, b"new")
r = subprocess.run(["flock", "-n", "-s", "f", "true"])
print("another process, sh:", r.returncode)
fcntl.flock(a, fcntl.LOCK_UN)
print("after un, ex:", second(b, fcntl.LOCK_EX))
c = os.open("g", os.O_RDONLY)
fcntl.flock(c, fcntl.LOCK_SH | fcntl.LOCK_NB)
d = os.open("g", os.O_WRONLY | os.O_APPEND)
print("g sh, then sh:", second(d, fcntl.LOCK_SH), "ex:", second(d, fcntl.LOCK_EX))
'
PY
	step 'cat "$M/d/f"'
}

compare_kernel_union flock-copy-up-same-process setup action
UN_AS=nobody UN_NOBODY_LOWERS=both compare_kernel_union flock-copy-up-same-process-nobody setup action
un_done
