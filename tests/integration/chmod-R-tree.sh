#!/bin/bash
# chmod-R-tree: chmod -R over trees in several lowers (go-w, u+rwX,go-rwx, numeric): every file and directory copied up with its new mode, the tree still merged.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	make_small_tree "$1"
	mkf "$1/lower2/tree/a/f" 666 f
	mkf "$1/lower2/tree/b/g" 777 g
	mkd "$1/lower2/tree/b/empty" 777
	mkf "$1/lower1/tree/a/h" 664 h
	mkd "$1/lower1/tree/c" 775
	chmod 777 "$1/lower2/tree" "$1/lower2/tree/a" "$1/lower2/tree/b"
	chmod 775 "$1/lower1/tree" "$1/lower1/tree/a"
}

action() {
	step 'chmod -R go-w "$M/tree"; find "$M/tree" -printf "%m %y %P\n" | sort -k3'
	step 'chmod -R u+rwX,go-rwx "$M/d2"; find "$M/d2" -printf "%m %y %P\n" | sort -k3; cat "$M/d2/deeper/z"'
	step 'chmod -R 700 "$M/tree/b"; find "$M/tree" -printf "%m %y %P\n" | sort -k3'
	step 'chmod -R -c a+r "$M/d" | sort; find "$M/d" -printf "%m %y %P\n" | sort -k3'
}

compare_kernel_union chmod-R-tree setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union chmod-R-tree-nobody setup action
un_done
