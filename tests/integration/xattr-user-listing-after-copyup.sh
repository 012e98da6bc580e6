#!/bin/bash
# xattr-user-listing-after-copyup: listxattr/getxattr after a copy-up by chmod, write or rename: the lower file's attributes all kept (trusted.* too as root).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
need_cmd setfattr getfattr

setup() {
	make_small_tree "$1"
	local f
	for f in lower1/f1 lower2/f2 lower2/d2 lower1/d/x1 lower2/exe; do
		setfattr -n user.one -v 1 "$1/$f"
		setfattr -n user.two -v "two words" "$1/$f"
		setfattr -n user.bin -v 0x00ff10 "$1/$f"
	done
	setfattr -n trusted.t -v tt "$1/lower1/f1"
}

listx='import os, sys
for p in sys.argv[1:]:
    print(p.rsplit("/", 1)[1], sorted((n, os.getxattr(p, n).hex()) for n in os.listxattr(p) if n.startswith("user.")))'
export listx

action() {
	step 'chmod 600 "$M/f1"; getfattr -d -e hex "$M/f1"; "$PYTHON" -c "$listx" "$M/f1"'
	step 'echo more >> "$M/f2"; "$PYTHON" -c "$listx" "$M/f2"'
	step 'touch "$M/d2/new"; "$PYTHON" -c "$listx" "$M/d2"'
	step 'mv "$M/d/x1" "$M/x1-moved"; "$PYTHON" -c "$listx" "$M/x1-moved"; mv "$M/exe" "$M/d2/exe"; "$PYTHON" -c "$listx" "$M/d2/exe"'
	step 'if [ "$(id -u)" = 0 ]; then getfattr -n trusted.t "$M/f1"; fi; setfattr -n user.three -v 3 "$M/f1"; getfattr -d "$M/f1"'
}

compare_kernel_union xattr-user-listing-after-copyup setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union xattr-user-listing-after-copyup-nobody setup action
un_done
