#!/bin/bash
# fdopendir-root-lost-search: the MERGED root loses its owner's search permission (a chmod through a symlink to it), then directories held open before are listed through their descriptors (fdopendir: os.listdir; getdents64 by syscall()): never an empty or short listing.  A directory of the upper alone lists as under the kernel; a merged one answers the kernel's names or an error (README "Known limits": the library has the user's credentials, the kernel the mounter's), never fewer names (user seed inplace:992, branch listlost10).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_root
need_kernel_overlay

cat >"$T/list.py" <<'PY'
import os, sys
from fdlist import show
M = sys.argv[1]
root = os.open(M, os.O_RDONLY | os.O_DIRECTORY)
fds = [(n, os.open(M + "/" + n, os.O_RDONLY | os.O_DIRECTORY))
       for n in ("up", "mix")]
os.chmod(M + "/up/c", 0)       # c -> ..: the MERGED root
show(fds)
os.fchmod(root, 0o755)
PY

build() {
	rm -rf "$1"
	mkdir -p "$1/upper/up" "$1/upper/mix" "$1/lower1/mix" "$1/m"
	: >"$1/upper/up/x"
	ln -s .. "$1/upper/up/c"
	: >"$1/upper/mix/u"
	: >"$1/lower1/mix/l"
	chown -hR 65534:65534 "$1/upper" "$1/lower1"
}

nobody_kernel_union build "$T/list.py"
expect_eq "the directory of the upper alone lists as under the kernel" \
	"$(grep '^up ' <<<"$UN_KOUT")" "$(grep '^up ' <<<"$UN_UOUT")"
# A merged directory: the kernel's names, or an error; never fewer names.
expect_kernel_or_eacces mix merged
expect_eq "as many answers" "$(wc -l <<<"$UN_KOUT")" "$(wc -l <<<"$UN_UOUT")"
un_done
