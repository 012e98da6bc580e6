#!/bin/bash
# fdopendir-lower-below-lost-search: a merged directory loses its owner's search permission (chmod 600), then directories of a lower below it, held open before, are listed through their descriptors (fdopendir: os.listdir; getdents64 by syscall()).  One still of the lower alone lists as under the kernel (the kernel reads the directory it holds, no lookup: found/132, user seed inplace:2610); one copied up through its descriptor since (fchmod) lists merged as under the kernel, never the upper's copy's names alone (found/145: fdtab keeps the lower the descriptor stood on, readdir.c upper_dir_was_lower).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_root
need_kernel_overlay

cat >"$T/list.py" <<'PY'
import os, sys
from fdlist import show
M = sys.argv[1]
fds = [(n, os.open(M + "/a/b/" + n, os.O_RDONLY | os.O_DIRECTORY))
       for n in ("low", "cp")]
os.chmod(M + "/a", 0o600)
os.fchmod(fds[1][1], 0o700)     # cp: copied up through its descriptor
show(fds)
os.chmod(M + "/a", 0o755)
PY

build() {
	rm -rf "$1"
	mkdir -p "$1/upper" "$1/lower1/a/b/low" "$1/lower1/a/b/cp" "$1/m"
	: >"$1/lower1/a/b/low/l"
	: >"$1/lower1/a/b/cp/l"
	chown -hR 65534:65534 "$1/upper" "$1/lower1"
}

nobody_kernel_union build "$T/list.py"
expect_true "the kernel lists the lower's directory" \
	grep -q "^low listdir \['l'\]" <<<"$UN_KOUT"
expect_eq "the directory of the lower alone lists as under the kernel" \
	"$(grep '^low ' <<<"$UN_KOUT")" "$(grep '^low ' <<<"$UN_UOUT")"
expect_true "the kernel lists the copied-up directory merged" \
	grep -q "^cp listdir \['l'\]" <<<"$UN_KOUT"
expect_eq "the directory copied up through its descriptor lists as under the kernel" \
	"$(grep '^cp ' <<<"$UN_KOUT")" "$(grep '^cp ' <<<"$UN_UOUT")"
expect_eq "as many answers" "$(wc -l <<<"$UN_KOUT")" "$(wc -l <<<"$UN_UOUT")"
un_done
