#!/bin/bash
# fstat-copied-up-dir-below-lost-search: a descriptor of a directory of
# one lower (and its subdirectory), copied up through the descriptor
# (futimens), then its parent loses the owner's x: fstat through the
# descriptor gives st_nlink 1, the kernel's for a directory merged from
# the upper's copy and the lower's; libunion, which cannot look the path
# up any more, took it for one layer's and gave its real link count
# (wrap_stat.c fix_fstat: a descriptor a copy-up moved from a lower's
# copy is merged).  The lower's copy opaque too.  As nobody, who owns
# the layers (user seed absent:6469 at --ops 120, session 15).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_root
need_kernel_overlay
need_cmd setfattr

cat >"$T/fstat.py" <<'PY'
import os, sys
M = sys.argv[1]
for d in ("a", "o"):
    fd = os.open(M + "/" + d + "/a", os.O_RDONLY | os.O_DIRECTORY)
    os.utime(fd, ns=(1200000000000000000, 1200000000000000000))
    os.chmod(M + "/" + d, 0o600)
    st = os.fstat(fd)
    print(d, "nlink", st.st_nlink, "mode %o" % st.st_mode)
    os.chmod(M + "/" + d, 0o755)
PY

build() {
	rm -rf "$1"
	mkdir -p "$1/upper" "$1/lower1/a/a/sub" "$1/lower1/o/a/sub" "$1/m"
	setfattr -n user.overlay.opaque -v y "$1/lower1/o/a"
	chown -hR 65534:65534 "$1/upper" "$1/lower1"
}

UN_KERNEL_OPTS=userxattr nobody_kernel_union build "$T/fstat.py"
expect_eq "fstat of the copied-up directory as under the kernel" \
	"$UN_KOUT" "$UN_UOUT"
un_done
