#!/bin/bash
# cp-a-into: cp -a into the merged view, and from it to itself.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	make_small_tree "$1"
	# The source beside the layers ($L/src): not a layer.
	mkf "$1/src/new-from-src" 604 "new from src"
	mkf "$1/src/x2" 644 "src replaces d/x2"
	mkf "$1/src/subdir/inner" 644 "inner"
	mkl new-from-src "$1/src/link"
	ln "$1/src/new-from-src" "$1/src/hard"
	fix_times "$1/src"
}

action() {
	step 'cp -a "$L/src/." "$M/d/"; find "$M/d" | sort; show "$M/d/new-from-src" "$M/d/x2" "$M/d/link"'
	step 'cp -a "$L/src" "$M/srccopy"; listing -o "$M/srccopy" | sed "s/ 0:0//"'
	step 'cp -a "$M/d2" "$M/d2-copy"; listing "$M/d2-copy"; stat -c "%n %y" "$M/d2-copy/only2"'
	step 'cp -a "$M/f1" "$M/f2"; cat "$M/f2"; st "$M/f2"'
	step 'cp -r "$M/d" "$M/e1/"; find "$M/e1" | sort'
	step 'cp "$M/d/sub/y2" "$M/du/"; cp -p "$M/exe" "$M/du/"; st "$M/du/y2" "$M/du/exe"'
}

compare_kernel_union cp-a-into setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union cp-a-into-nobody setup action
un_done
