#!/bin/bash
# xattr-list-long: listxattr, llistxattr and flistxattr of objects whose list of names is longer than the library's stack room for it (1 KiB: wrap_xattr.c read_shown then maps XATTR_LIST_MAX), a lower file and a merged directory, with the size asked first (size 0) and then the list.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	local i
	mkf "$1/lower1/f" 644 "lower file"
	mkf "$1/lower1/d/l" 644 "lower"
	mkf "$1/upper/d/u" 644 "upper"
	# 60 names of 48 bytes: ~2.9 KiB of list.
	"$PYTHON" -c 'import os, sys
for p in sys.argv[1:]:
	for i in range(10, 70):
		os.setxattr(p, "user.attribute-name-padded-to-forty-eight-%d" % i, b"%d" % i)' \
		"$1/lower1/f" "$1/upper/d"
}

cat >"$T/list.py" <<'EOF2'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
for p in sys.argv[1:]:
	fd = os.open(p, os.O_RDONLY)
	need = libc.listxattr(p.encode(), None, 0)
	buf = ctypes.create_string_buffer(max(need, 1))
	got = libc.listxattr(p.encode(), buf, need)
	names = sorted(n for n in buf.raw[:got].decode().split("\0") if n.startswith("user."))
	# (The kernel's size may count its own trusted.overlay.* names.)
	print(os.path.basename(p), need >= got, len(names), names[0], names[-1])
	print(" l", sorted(n for n in os.listxattr(p, follow_symlinks=False) if n.startswith("user.")) == names)
	print(" f", sorted(n for n in os.listxattr(fd) if n.startswith("user.")) == names)
	# Too small a buffer: ERANGE.
	small = ctypes.create_string_buffer(100)
	print(" small", libc.flistxattr(fd, small, 100), ctypes.get_errno())
	os.close(fd)
EOF2

action() {
	step '"$PYTHON" -B "$T/list.py" "$M/f" "$M/d"'
}

compare_kernel_union xattr-list-long setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union xattr-list-long-nobody setup action
un_done
