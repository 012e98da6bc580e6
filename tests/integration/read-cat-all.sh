#!/bin/bash
# read-cat-all: read every file, through every kind of path.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_rich_tree "$1"; }

action() {
	step 'cd "$M" && find . -type f -print0 | sort -z | xargs -0 cat'
	step 'cd "$M" && find . -type f -print0 | sort -z | xargs -0 sha256sum'
	step 'cat "$M/rel-link" "$M/abs-link" "$M/chain-link" "$M/dir/up-link" "$M/u-link" "$M/dirlink/a2.txt" "$M/abs-dirlink/deep1.txt"'
	step 'cat "$M/dangling"; cat "$M/loop-a"; cat "$M/dir"; cat "$M/nope"; cat "$M/.union/whiteouts"; cat "$M/common.txt/"'
	step 'head -c 5 "$M/common.txt"; echo; tail -n1 "$M/only2.sh"; wc -c "$M/name with spaces.txt"; wc -l < "$M/shape1"'
	step 'cat "$M/secret.txt" "$M/private/hidden.txt" "$M/ro.txt"'
	step 'cat "$M/shape3" "$M/shape1"; cat "$M/shape3/inside3.txt"; cat "$M/shape1/under-upper-file.txt"; cat "$M/shape2"'
	step '"$M/only2.sh"; "$M/u-link"; cd "$M" && ./only2.sh && sh only2.sh && bash < only2.sh'
	step 'cd "$M/dir" && cat a1.txt ../common.txt sub/deep3.txt ./sub/../a3.txt'
	step 'tail -c +3 "$M/deep/a/b/c/d/leaf.txt" | head -c 6; echo; od -c -N 8 "$M/only3.txt"'
	step '"$PYTHON" -c "import mmap,sys; f=open(sys.argv[1],\"rb\"); print(mmap.mmap(f.fileno(),0,prot=mmap.PROT_READ)[:12])" "$M/common.txt"'
}

compare_kernel_union read-cat-all setup action
un_done
