#!/bin/bash
# long-fd-file-change: fchmod, futimens, fchown and fsetxattr through a descriptor opened read-only on a lower's file below PATH_MAX's depth (30 names of 200 bytes), against the kernel, as root and as nobody.  The change went through to the lower's copy (fdtab's PATH_MAX buffer: the descriptor taken for one outside; the harness's check of the lowers could not see that deep either); now the file is looked up from a descriptor on a directory above it (wrap_fd.c fd_copy_up_deep_name) and copied up.
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
        put(fd, "lo", b"lower\n", old=True)
        put(fd, "lo2", old=True)
    stamp_up(fd)
PY
	chmod -R a+rX "$1"/lower1
}

action() {
	stepx <<'EOS'
PYTHONPATH="$TOP_SRCDIR/tests/prog" "$PYTHON" -B - <<'PY'
from deep import *
down(os.environ["M"] + "/deep")
fd = os.open("lo", os.O_RDONLY)
t("fchmod lo", lambda: os.chmod(fd, 0o600))
t("futimens lo", lambda: os.utime(fd, (1234567890, 1234567890)))
t("fchown lo", lambda: os.chown(fd, os.getuid(), os.getgid()))
t("fsetxattr lo", lambda: os.setxattr(fd, "user.test", b"v"))
st = os.stat("lo")
print("lo", oct(st.st_mode & 0o777), st.st_mtime, open("lo").read().strip(),
      os.getxattr("lo", "user.test"))
fd2 = os.open("lo2", os.O_RDONLY)
t("fsetxattr lo2", lambda: os.setxattr(fd2, "user.test", b"w"))
t("getxattr lo2", lambda: os.getxattr("lo2", "user.test"))
PY
EOS
}

UN_KERNEL_OPTS=userxattr compare_kernel_union long-fd-file-change setup action
UN_KERNEL_OPTS=userxattr UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union long-fd-file-change-nobody setup action
un_done
