#!/bin/bash
# long-seek-merged: lseek(SEEK_END) on descriptors of merged directories below PATH_MAX's depth (30 names of 200 bytes), against the kernel (EINVAL: overlayfs keeps its own position in a merged listing), as root and as nobody.  wrap_fd.c seek_refused read the merged path into a PATH_MAX buffer: too long, the directory was taken for one layer's and the layer's file system moved to its end.
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
    os.mkdir("d", 0o755, dir_fd=fd)
    put(fd, "d/" + layer, old=True)
    os.utime("d", OLD, dir_fd=fd)
    stamp_up(fd)
PY
	chmod -R a+rX "$1"/lower1
}
action() {
	stepx <<'EOS'
PYTHONPATH="$TOP_SRCDIR/tests/prog" "$PYTHON" -B - <<'PY'
from deep import *
down(os.environ["M"] + "/deep")
fd = os.open("d", os.O_RDONLY | os.O_DIRECTORY)
t("seek end d", lambda: os.lseek(fd, 0, os.SEEK_END) and "moved")
fd2 = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
t("seek end .", lambda: os.lseek(fd2, 0, os.SEEK_END) and "moved")
PY
EOS
}
compare_kernel_union long-seek-merged setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union long-seek-merged-nobody setup action
un_done
