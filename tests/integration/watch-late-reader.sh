#!/bin/bash
# watch-late-reader: a watcher that reads its events only after the
# changes are made (as a watcher descheduled under load does) hears them
# in the kernel overlay's order.  Deletions of lower names are whiteout
# records in the table, read back when the table's IN_MODIFY comes; read
# late, the table holds the records of changes whose events come later
# (a rename's copy-up, the next unlink), and consecutive appends' events
# may be merged into one by the kernel.  Two watches: one with IN_MODIFY
# (the union's own directory touches come between appends) and one
# without (the appends' events coalesce), read a few events at a time.
# Root and nobody.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	local l=$1/lower1 u=$1/upper
	mkd "$l/dir" 755
	for f in lf1 lf2 lf3 lf4 lf5 lf6 lf7 lf8 lf9 lfa lfb lfc both; do
		mkf "$l/dir/$f" 644 "lower $f"
	done
	mkd "$l/dir/sub" 755
	mkf "$l/dir/sub/a" 644 "a"
	mkf "$l/dir/sub/b" 644 "b"
	mkd "$l/dir/empty" 755
	mkd "$u/dir" 755
	mkf "$u/dir/both" 644 "upper both"
}

action() {
	stepx <<'SH'
cat >"$T/home/late.py" <<'PY'
import ctypes, os, select, struct, subprocess
libc = ctypes.CDLL(None, use_errno=True)	# the preloaded symbols first
M = os.environ["M"]
N = {0x2: "MODIFY", 0x4: "ATTRIB", 0x8: "CLOSE_WRITE", 0x40: "MOVED_FROM",
     0x80: "MOVED_TO", 0x100: "CREATE", 0x200: "DELETE",
     0x40000000: "ISDIR"}
# B reads a few events at a time: the rest wait in the kernel's queue
# (or in the library's, which select() must still see).
names = {0x2 | 0x4 | 0x8 | 0x40 | 0x80 | 0x100 | 0x200: ("A", 65536),
         0x40 | 0x80 | 0x100 | 0x200: ("B", 256)}
fds = []
for mask, (who, size) in names.items():
    fd = libc.inotify_init1(os.O_NONBLOCK)
    if libc.inotify_add_watch(fd, (M + "/dir").encode(), mask) < 0:
        print(who, "add_watch", os.strerror(ctypes.get_errno()))
    fds.append((fd, who, size))
def sh(cmds):
    subprocess.run(["sh", "-ec", cmds, "sh", M + "/dir"], check=True)
def show(marker):
    for fd, who, size in fds:
        last = None
        while True:
            if not select.select([fd], [], [], 10)[0]:
                print(who, "TIMEOUT waiting for", marker)
                break
            try:
                buf = os.read(fd, size)
            except BlockingIOError:
                continue	# the union's own events only
            off, done = 0, False
            while off < len(buf):
                wd, mask, cookie, ln = struct.unpack_from("iIII", buf, off)
                name = buf[off + 16:off + 16 + ln].rstrip(b"\0").decode()
                off += 16 + ln
                e = "%s %s %s" % (who, ",".join(
                    v for k, v in sorted(N.items()) if mask & k), name)
                if e != last:	# the kernel merges identical events
                    print(e)
                last = e
                done = done or (name == marker and mask & 0x100)
            if done:
                break
# Everything first, then read: the table holds every record when the
# first IN_MODIFY of it is translated.
sh('''cd "$1"
rm lf1
echo new > new1
mv lf2 lf2b
mv lf3 lf4
rm lf5 lf6
rm both
rm -r sub
rm lf7
echo again > lf1
rm lf1
touch lf5 lf6
rm lfc
mkdir d2
rmdir empty
touch end1''')
show("end1")
# A few at a time, read in between.
sh('cd "$1"; mv lf8 lf9; rm lfa; touch end2')
show("end2")
sh('cd "$1"; rm lfb; mv lf2b lf2c; touch end3')
show("end3")
PY
"$PYTHON" "$T/home/late.py"
SH
	step 'ls -A "$M/dir"'
}

compare_kernel_union watch-late-reader setup action
UN_INPLACE=1 compare_kernel_union watch-late-reader-inplace setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 \
	compare_kernel_union watch-late-reader-nobody setup action
un_done
