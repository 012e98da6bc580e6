#!/bin/bash
# install-into-lower-dir: install(1) into lower-only directories: files with modes, -d directories, -D parents, over an existing lower file.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_small_tree "$1"; }

action() {
	step 'install -m 755 "$M/f1" "$M/d2/deeper/inst"; show "$M/d2/deeper/inst"; st "$M/d2/deeper"'
	step 'install -d -m 700 "$M/d2/newd" "$M/e1/a/b"; st "$M/d2/newd" "$M/e1/a" "$M/e1/a/b"'
	step 'install -D -m 600 "$M/fu" "$M/e2/x/y/z"; find "$M/e2" -printf "%m %y %P\n" | sort -k3; cat "$M/e2/x/y/z"'
	step 'install -m 644 "$M/fu" "$M/exe"; show "$M/exe"; install -m 444 "$M/f2" "$M/ro"; show "$M/ro"'
	step 'install -m 755 "$M/nope" "$M/d2/x"; install -m 755 "$M/f1" "$M/nodir/x"; names "$M/d2"'
}

compare_kernel_union install-into-lower-dir setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union install-into-lower-dir-nobody setup action
un_done
