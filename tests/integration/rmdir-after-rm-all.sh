#!/bin/bash
# rmdir-after-rm-all: a merged directory is removable once every name in it is deleted.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_small_tree "$1"; }

action() {
	step 'rm "$M/d/x1" "$M/d/x2" "$M/d/xu"; names "$M/d"; rmdir "$M/d"'
	step 'rm -r "$M/d/sub"; names "$M/d"; rmdir "$M/d" && echo removed; names "$M"; stat -c %n "$M/d"'
	step 'mkdir "$M/d"; ls -a "$M/d"; echo again > "$M/d/x1"; ls "$M/d"'
	step 'rm "$M/d2/only2" "$M/d2/deeper/z"; rmdir "$M/d2/deeper" "$M/d2"; names "$M"'
}

check() {
	check_opaque "$1" "$2" d
	check_whiteout "$1" "$2" d2
}

compare_kernel_union rmdir-after-rm-all setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union rmdir-after-rm-all-nobody setup action check
un_done
