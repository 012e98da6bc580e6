#!/bin/bash
# statx-empty-copied-up: statx(fd, "", AT_EMPTY_PATH) and fstat of descriptors opened read-only on lower objects (a file, a hard-linked file, a lower-only directory, a merged one, one below a merged one), before and after a copy-up made by a change through another name or through the descriptor itself: nlink, mode, size, against the kernel, as root and as nobody.  (STATUS "What remains" left statx's nlink on a copied-up descriptor untested.)
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_small_tree "$1"; }

action() {
	stepx <<'EOS'
"$PYTHON" -B - <<'PY'
import ctypes, os
M = os.environ["M"]
libc = ctypes.CDLL(None, use_errno=True)
AT_EMPTY_PATH, STATX_BASIC = 0x1000, 0x7ff
def stx(fd):
    buf = ctypes.create_string_buffer(256)
    if libc.statx(fd, b"", AT_EMPTY_PATH, STATX_BASIC, buf) < 0:
        return os.strerror(ctypes.get_errno())
    nlink = int.from_bytes(buf.raw[16:20], "little")
    mode = int.from_bytes(buf.raw[28:30], "little")
    size = int.from_bytes(buf.raw[40:48], "little")
    return "nlink=%d mode=%o size=%s" % (nlink, mode & 0o7777,
                                        size if mode & 0o170000 != 0o040000 else "-")
def show(what, fd):
    st = os.fstat(fd)
    print(what, "statx", stx(fd), "fstat nlink=%d mode=%o" % (st.st_nlink, st.st_mode & 0o7777))
objs = {}
for name in ("f1", "hl1", "d2", "d", "d/sub", "d2/deeper", "e1"):
    flags = os.O_RDONLY | (os.O_DIRECTORY if not name in ("f1", "hl1") else 0)
    objs[name] = os.open(M + "/" + name, flags)
    show("before " + name, objs[name])
os.chmod(M + "/f1", 0o600)               # copied up by its name
os.chmod(objs["hl1"], 0o640)             # through the descriptor
os.chmod(M + "/d2", 0o750)               # a lower-only directory
os.utime(objs["d"])                      # merged, through the descriptor
os.close(os.open(M + "/d/sub/new", os.O_WRONLY | os.O_CREAT, 0o644))
os.chmod(objs["d2/deeper"], 0o700)
os.mkdir(M + "/e1/made")
for name, fd in objs.items():
    show("after " + name, fd)
PY
EOS
}

compare_kernel_union statx-empty-copied-up setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union statx-empty-copied-up-nobody setup action
un_done
