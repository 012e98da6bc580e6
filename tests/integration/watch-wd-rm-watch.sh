#!/bin/bash
# watch-wd-rm-watch: the watch descriptors a program gets for merged paths
# behave as the kernel's: one per object (a merged directory watched
# twice, by two names, is one wd), events of a lower file's copy-up come
# under the wd it was given, inotify_rm_watch removes it (IN_IGNORED,
# then EINVAL), and the lookup errors are the kernel's.  Driven through
# ctypes, so the program reads its events with libc's read().
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	mkd "$1/lower1/dir" 755
	mkf "$1/lower1/dir/lf" 644 "lower lf"
	mkf "$1/lower1/dir/lf2" 644 "lower lf2"
	mkl dir "$1/lower1/link"
	mkd "$1/upper" 755
}

action() {
	stepx <<'SH'
cat >"$T/home/wd.py" <<'PY'
import ctypes, os, select, struct, subprocess, sys
libc = ctypes.CDLL(None, use_errno=True)
M = os.environ["M"]
N = {0x2: "MODIFY", 0x100: "CREATE", 0x200: "DELETE", 0x8000: "IGNORED",
     0x40000000: "ISDIR", 0x4: "ATTRIB", 0x8: "CLOSE_WRITE"}
def add(path, mask):
    wd = libc.inotify_add_watch(fd, path.encode(), mask)
    return wd if wd >= 0 else "error " + os.strerror(ctypes.get_errno())
def rm(wd):
    r = libc.inotify_rm_watch(fd, wd)
    return r if r == 0 else "error " + os.strerror(ctypes.get_errno())
fd = libc.inotify_init1(0)
wd1 = add(M + "/dir", 0x100 | 0x200)
wd2 = add(M + "/dir/lf", 0x2)
print("same object, same wd:", add(M + "/link", 0x100 | 0x200) == wd1)
print("again:", add(M + "/dir/lf", 0x2) == wd2)
print("absent:", add(M + "/dir/nope", 0x2))
print("onlydir:", add(M + "/dir/lf", 0x2 | 0x01000000))
print("no events:", add(M + "/dir", 0))
names = {wd1: "wd1", wd2: "wd2"}
seen, last = [], None
def show(until):
    global last
    while True:
        if not select.select([fd], [], [], 30)[0]:
            print("TIMEOUT waiting for", until)
            return
        buf = os.read(fd, 4096)
        off = 0
        while off < len(buf):
            wd, mask, cookie, ln = struct.unpack_from("iIII", buf, off)
            name = buf[off + 16:off + 16 + ln].rstrip(b"\0").decode()
            off += 16 + ln
            e = "%s %s %s" % (names.get(wd, "wd?"), ",".join(
                v for k, v in sorted(N.items()) if mask & k), name)
            if e != last:	# the kernel merges identical events too
                print(e)
            last = e
            if until in e:
                return
subprocess.run(["sh", "-c", 'echo more >> "$1/dir/lf"; echo x > "$1/dir/x"; rm "$1/dir/lf2"', "sh", M], check=True)
show("DELETE lf2")
# lf is in the upper now: its own events come under wd2 too
subprocess.run(["sh", "-c", 'echo again >> "$1/dir/lf"', "sh", M], check=True)
show("wd2 MODIFY")
print("rm wd2:", rm(wd2))
show("IGNORED")
print("rm wd2 again:", rm(wd2))
print("rm wd1:", rm(wd1))
show("IGNORED")
PY
"$PYTHON" "$T/home/wd.py"
SH
}

compare_kernel_union watch-wd-rm-watch setup action
UN_MERGED_ABSENT=1 compare_kernel_union watch-wd-rm-watch-absent setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 \
	compare_kernel_union watch-wd-rm-watch-nobody setup action
un_done
