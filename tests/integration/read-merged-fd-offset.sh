#!/bin/bash
# read-merged-fd-offset: a merged directory listed through the program's
# own descriptor (fts's openat + fdopendir), on tmpfs layers: the first
# read through it is trusted as a read from offset 0 only when its first
# record is "." (readdir.c layer_first: no lseek for a fresh descriptor);
# one the program has read part of first is rewound, and the listing is
# whole.  A lower directory streamed the same way from past its start
# keeps no list of its names for rmdir (which would then take it for
# emptied).  A directory over getdents64's 32 KiB buffer, in both layers,
# is read on past a full buffer (layer_fs FS_FILLS: only a read that left
# room for any record is the end).  As root and as nobody.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_kernel_overlay
# The shortcuts are taken on tmpfs (and btrfs, xfs): the layers go on one.
mount -t tmpfs -o mode=0755 tmpfs "$T" || skip "cannot mount a tmpfs"
UN_MOUNTS+=("$T")

setup() {
	local l=$1/lower1 u=$1/upper i
	# d: small, merged; the upper's names are its own (u*): a read of
	# the upper's copy that skipped its first records loses them.
	mkdir -p "$u/d" "$l/d" "$u/big" "$l/big"
	for i in 1 2 3; do : >"$l/d/l$i"; done
	for i in 1 2 3; do : >"$u/d/u$i"; done
	# solo: the lower's alone (a stream of one layer).
	mkdir -p "$l/solo"
	for i in 1 2 3 4 5; do : >"$l/solo/s$i"; done
	# big: 560 names of 40 bytes in the upper's copy (records of 64
	# bytes: 35 KiB, more than one read), 50 in the lower's.
	for i in $(seq 1000 1559); do
		: >"$u/big/upper-name-padded-to-forty-bytes-$i"
	done
	for i in $(seq 1000 1049); do
		: >"$l/big/lower-name-padded-to-forty-bytes-$i"
	done
	chmod -R a+rX "$1"
}

cat >"$T/part.py" <<'EOF2'
# Read the first 3 records of a directory with getdents64 (syscall(),
# as a program may), then list the rest by fdopendir (os.listdir(fd));
# print every name seen once, sorted: the kernel's "rest" and libunion's
# whole listing give the same set.
import ctypes, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
buf = ctypes.create_string_buffer(72)	# three records of 24 bytes
n = libc.syscall(217, fd, buf, 72)
first, p = [], 0
while p < n:
	reclen = struct.unpack_from("H", buf.raw, p + 16)[0]
	first.append(buf.raw[p + 19:p + reclen].split(b"\0")[0].decode())
	p += reclen
rest = os.listdir(fd)
print(len(first), " ".join(sorted(set(first) | set(rest) | {".", ".."})))
EOF2

cat >"$T/solo.py" <<'EOF2'
# Read 3 entries of a directory with readdir, take telldir's place, and
# list the rest on a descriptor of its own moved there (lseek, then
# fdopendir: os.listdir(fd)); remove what the rest showed and rmdir:
# the first names are still there.  (The library must not keep the
# stream's names for rmdir's emptiness: it did not start at 0.)
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.opendir.restype = ctypes.c_void_p
libc.readdir.restype = ctypes.c_void_p
libc.readdir.argtypes = libc.telldir.argtypes = libc.closedir.argtypes = [ctypes.c_void_p]
libc.telldir.restype = ctypes.c_long
p = sys.argv[1]
d = libc.opendir(p.encode())
first = [ctypes.string_at(libc.readdir(d) + 19).decode() for _ in range(3)]
pos = libc.telldir(d)
libc.closedir(d)
fd = os.open(p, os.O_RDONLY | os.O_DIRECTORY)
os.lseek(fd, pos, os.SEEK_SET)
rest = os.listdir(fd)
print(" ".join(sorted(set(first) | set(rest) | {".", ".."})))
for n in rest:
	os.unlink(os.path.join(p, n))
try:
	os.rmdir(p)
	print("rmdir: removed")
except OSError as e:
	print("rmdir:", os.strerror(e.errno), len(os.listdir(p)))
EOF2

action() {
	step '"$PYTHON" -B "$T/part.py" "$M/d"'
	step '"$PYTHON" -B "$T/solo.py" "$M/solo"'
	step 'find "$M/d" "$M/big" | sort | md5sum; find "$M/big" | wc -l'
	step 'ls -f "$M/big" | sort | md5sum; ls -f "$M/big" | wc -l'
}

compare_kernel_union read-merged-fd-offset setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union read-merged-fd-offset-nobody setup action
un_done
