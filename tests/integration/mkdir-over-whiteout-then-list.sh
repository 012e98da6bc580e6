#!/bin/bash
# mkdir-over-whiteout-then-list: a directory deleted from two lowers and made again: listings (ls -la, find, d_type, scandir) show only what is made afterwards, even names the lowers had.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	make_small_tree "$1"
	mkf "$1/lower2/t/sub/deep" 644 deep
	mkf "$1/lower2/t/a" 644 "a from lower2"
	mkf "$1/lower1/t/b" 644 "b from lower1"
	mkd "$1/lower1/t/c"
	mkl a "$1/lower1/t/link-a"
}

scan='import os, sys
for e in sorted(os.scandir(sys.argv[1]), key=lambda e: e.name):
    print(e.name, "dir" if e.is_dir(follow_symlinks=False) else "link" if e.is_symlink() else "file", e.inode() == os.lstat(e.path).st_ino)'
export scan

action() {
	step 'rm -r "$M/t"; mkdir "$M/t"; ls -A "$M/t"; find "$M/t" | sort; "$PYTHON" -c "$scan" "$M/t"'
	step 'touch "$M/t/sub"; mkdir "$M/t/a"; ln -s b "$M/t/c"; echo new-b > "$M/t/b"; ls -lA "$M/t" | awk "NR > 1 {print substr(\$1, 1, 10), \$NF}"'
	step 'find "$M/t" -printf "%y %P\n" | sort -k2; "$PYTHON" -c "$scan" "$M/t"; cat "$M/t/b"; ls -A "$M/t/a"'
	step '"$TESTPROG/sysop" stat "$M/t/sub/deep" -- stat "$M/t/link-a" -- read "$M/t/c"; rmdir "$M/t/a"; ls -A "$M/t"'
}

check() { check_opaque "$1" "$2" t; }

compare_kernel_union mkdir-over-whiteout-then-list setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union mkdir-over-whiteout-then-list-nobody setup action check
un_done
