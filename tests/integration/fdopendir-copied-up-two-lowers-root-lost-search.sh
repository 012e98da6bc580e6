#!/bin/bash
# fdopendir-copied-up-two-lowers-root-lost-search: a directory of two
# lowers held open (its descriptor on the first lower's copy), copied up
# by a change below it, then the MERGED root loses its owner's x and the
# directory is listed through the descriptor: the kernel lists the
# upper's names and both lowers'; libunion, which cannot look the path
# up any more, listed the upper's and the first lower's only (readdir.c
# upper_dir_was_lower took the lower the descriptor was on, not those
# below it: lowers_below now).  An opaque first lower still hides the
# second.  As nobody, who owns the layers (user seed absent:5054 at
# --ops 120, session 15).
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
       for n in ("f", "o")]
os.chmod(M + "/f/b", 0o700)    # copies f up (o: below)
os.chmod(M + "/o/b", 0o700)
os.chmod(M, 0o600)
show(fds)
os.fchmod(root, 0o755)
PY

build() {
	rm -rf "$1"
	mkdir -p "$1/upper" "$1/lower1/f" "$1/lower2/f/b" "$1/m"
	echo e >"$1/lower2/f/e"
	ln -s ../a "$1/lower2/f/c"
	# o: the first lower's copy opaque
	mkdir -p "$1/lower1/o/b" "$1/lower2/o/hidden"
	echo x >"$1/lower1/o/x"
	setfattr -n user.overlay.opaque -v y "$1/lower1/o"
	chown -hR 65534:65534 "$1/upper" "$1/lower1" "$1/lower2"
}

need_cmd setfattr
UN_KERNEL_OPTS=userxattr UN_KU_LOWERS="lower1 lower2" \
	nobody_kernel_union build "$T/list.py"
expect_eq "the copied-up directory of two lowers lists as under the kernel" \
	"$(grep '^f ' <<<"$UN_KOUT")" "$(grep '^f ' <<<"$UN_UOUT")"
expect_eq "an opaque first lower hides the second, as under the kernel" \
	"$(grep '^o ' <<<"$UN_KOUT")" "$(grep '^o ' <<<"$UN_UOUT")"
expect_eq "as many answers" "$(wc -l <<<"$UN_KOUT")" "$(wc -l <<<"$UN_UOUT")"
un_done
