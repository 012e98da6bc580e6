#!/bin/bash
# readlink-kinds: readlink and readlinkat of every kind of name in a
# union: a lower and an upper file, a merged directory, symlinks (a
# trailing slash follows one), a missing name, and "" through O_PATH
# descriptors of a file, a directory and a symlink (the kernel's EINVAL,
# ENOENT for "" on a non-symlink).  The library answers a non-symlink
# from its lookup's lstat, without the kernel's readlink (gcc's driver
# asks it of its input and output files: bench/README.md "Session 12
# (make)").  Default and in-place MERGED, as root and as nobody owning
# the lowers.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	make_small_tree "$1"
	mkl d "$1/lower1/link-d"
	mkl nope "$1/lower1/link-nope"
	mkl both "$1/upper/link-up"
}

cat >"$T/rl.py" <<'EOF2'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
buf = ctypes.create_string_buffer(4096)
def rl(fd, p):
    n = libc.readlinkat(fd, p.encode(), buf, 4096)
    return buf.raw[:n].decode() if n >= 0 else "errno %d" % ctypes.get_errno()
m = sys.argv[1]
for name in ("f1", "f2", "both", "d", "d/sub", "d/x2", "link-f1",
             "abslink-f2", "link-d", "link-d/", "link-f1/", "link-nope",
             "link-up", "nope", "nope/x", "f1/x", "d/", ".", "d/.."):
    print(name, rl(-100, m + "/" + name))
for name in ("f1", "d", "link-f1", "link-d", "link-nope"):
    try:
        fd = os.open(m + "/" + name, os.O_PATH | os.O_NOFOLLOW)
    except OSError as e:
        print("open", name, "errno", e.errno)
        continue
    print("empty", name, rl(fd, ""))
    os.close(fd)
d = os.open(m + "/d", os.O_RDONLY | os.O_DIRECTORY)
print("at", rl(d, "x1"), rl(d, "sub"), rl(d, "../link-f1"))
EOF2

action() {
	step '"$PYTHON" "$T/rl.py" "$M"'
	step 'cd "$M/d" && "$PYTHON" "$T/rl.py" ..'
}

compare_kernel_union readlink-kinds setup action
UN_INPLACE=1 compare_kernel_union readlink-kinds-inplace setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union readlink-kinds-nobody setup action
un_done
