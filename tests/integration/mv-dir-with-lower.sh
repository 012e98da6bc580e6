#!/bin/bash
# mv-dir-with-lower: mv of directories with lower contents (EXDEV, then copy), into and out of the view.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	make_small_tree "$1"
	mkdir -m 1777 "$1/outdir"
}

action() {
	step 'mv "$M/d" "$M/d-moved"; find "$M/d-moved" | sort; ls "$M/d"'
	step 'mv "$M/d2" "$M/du/"; find "$M/du" | sort'
	step 'mv "$M/e1" "$M/e1-moved"; names "$M"'
	step 'mv "$M/du" "$M/du-moved"; find "$M/du-moved" | sort'
	step 'mv "$M/d-moved" "$L/outdir/moved"; listing "$L/outdir/moved"; names "$M"'
	step 'mkdir "$L/outdir/in"; echo in > "$L/outdir/in/file"; mv "$L/outdir/in" "$M/in"; find "$M/in" | sort; cat "$M/in/file"'
}

check() { check_whiteout "$1" "$2" d d2 e1; }

compare_kernel_union mv-dir-with-lower setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union mv-dir-with-lower-nobody setup action check
un_done
