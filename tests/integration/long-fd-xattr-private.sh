#!/bin/bash
# long-fd-xattr-private: the overlay's own xattr names (trusted.overlay.* as root, user.overlay.* as nobody over a userxattr mount) set, read and listed through a descriptor of a merged directory below PATH_MAX's depth (30 names of 200 bytes), against the kernel, as root and as nobody.  wrap_xattr.c fd_in_union read the descriptor's merged path into a PATH_MAX buffer: too long, the descriptor was taken for one outside and the name went to the layer's directory as it was (an opaque mark set by the program on the upper's copy hid the lower's names).
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
pre = "trusted.overlay." if os.getuid() == 0 else "user.overlay."
fd = os.open("d", os.O_RDONLY | os.O_DIRECTORY)
t("fsetxattr opaque", lambda: os.setxattr(fd, pre + "opaque", b"y"))
t("fsetxattr other", lambda: os.setxattr(fd, pre + "libunion-test", b"v"))
t("fgetxattr opaque", lambda: os.getxattr(fd, pre + "opaque"))
t("flistxattr", lambda: sorted(x for x in os.listxattr(fd) if "overlay" in x))
t("fremovexattr other", lambda: os.removexattr(fd, pre + "libunion-test"))
print(sorted(os.listdir("d")))
PY
EOS
}

# The library's upper copy of d holds no mark under the overlay's own
# name unescaped (`union convert --to-overlay` would hand it to the kernel: d
# opaque, the lower's name hidden).
check() {
	[ "$1" = union ] || return 0
	local names
	names=$("$PYTHON" - "$2/upper" <<'PY'
import os, sys
fd = os.open(sys.argv[1] + "/deep", os.O_RDONLY)
for _ in range(30):
    nfd = os.open("n" * 200, os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = nfd
d = os.open("d", os.O_RDONLY, dir_fd=fd)
# (The overlay's escaped names, X.overlay.overlay.*, as the kernel's.)
print(" ".join(sorted(x for x in os.listxattr(d)
                      if x.startswith(("trusted.overlay.", "user.overlay."))
                      and ".overlay.overlay." not in x)))
PY
)
	[ -z "$names" ] ||
		fail "long-fd-xattr-private: the overlay's own names on the upper's d: $names"
}

compare_kernel_union long-fd-xattr-private setup action check
UN_KERNEL_OPTS=userxattr UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union long-fd-xattr-private-nobody setup action check
un_done
