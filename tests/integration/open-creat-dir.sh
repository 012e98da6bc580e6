#!/bin/bash
# open-creat-dir: open with O_CREAT on existing directories (lower, upper, merged, through a symlink): EISDIR, no copy-up.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step '"$TESTPROG/sysop" open "$M/e1" wronly,creat -- open "$M/e1" rdonly,creat -- open "$M/d2" rdwr,creat -- open "$M/du" wronly,creat -- open "$M/d" wronly,creat,trunc -- open "$M/link-d" wronly,creat -- open "$M/d2/deeper" rdonly,creat,excl -- open "$M/d/sub" wronly,creat,append'
	step 'echo x > "$M/e2"; echo x > "$M/link-d"; : > "$M/d2/deeper"'
	step 'st "$M/e1" "$M/d2" "$M/d2/deeper"; names "$M/d2"; names "$M"'
}

# An open that fails must not copy anything up.
check() {
	local n
	for n in e1 e2 d2 link-d; do
		if [ -e "$2/upper/$n" ] || [ -L "$2/upper/$n" ]; then
			fail "$1: upper/$n exists after an open that failed"
		fi
	done
}

compare_kernel_union open-creat-dir setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union open-creat-dir-nobody setup action check
un_done
