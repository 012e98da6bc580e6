#!/bin/bash
# link-upper-to-new: link of upper files to new names, also into lower-only directories (parents copied up): one inode, link count 2.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step 'ln "$M/fu" "$M/d2/deeper/fu-link"; st "$M/fu" "$M/d2/deeper/fu-link" "$M/d2/deeper" "$M/d2"; names "$M/d2/deeper"'
	step '[ "$(stat -c %i "$M/fu")" = "$(stat -c %i "$M/d2/deeper/fu-link")" ] && echo "one inode" || echo "two inodes"; echo more >> "$M/d2/deeper/fu-link"; cat "$M/fu"'
	step '"$TESTPROG/sysop" link "$M/du/in-du" "$M/du/in-du2" -- stat "$M/du/in-du" -- link "$M/d/xu" "$M/e1/xu" -- stat "$M/e1/xu"'
	step 'rm "$M/fu"; show "$M/d2/deeper/fu-link"; names "$M"'
}

compare_kernel_union link-upper-to-new setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union link-upper-to-new-nobody setup action
un_done
