#!/bin/bash
# rename-over-self-hardlink: rename of a name onto another link of the same file: for upper links a no-op (both stay); for a lower file's two links, two overlay files (one goes).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	make_small_tree "$1"
	ln "$1/upper/fu" "$1/upper/du/fu-link"
	ln "$1/upper/fu" "$1/upper/fu2"
}

action() {
	step '"$TESTPROG/sysop" rename "$M/fu" "$M/fu2" -- stat "$M/fu" -- stat "$M/fu2" -- rename "$M/du/fu-link" "$M/fu" -- stat "$M/du/fu-link"; names "$M"'
	step 'mv "$M/fu2" "$M/fu" 2>&1 | sed "s/^mv: //"; st "$M/fu" "$M/fu2"'
	step '"$TESTPROG/sysop" rename "$M/hl1" "$M/hl2" -- read "$M/hl2" -- stat "$M/hl1"; names "$M"'
}

compare_kernel_union rename-over-self-hardlink setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union rename-over-self-hardlink-nobody setup action
un_done
