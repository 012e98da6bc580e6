#!/bin/bash
# open-creat-parent-is-file: creating under a name that is a file (lower, upper, through a symlink), by every creating call: ENOTDIR.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step '"$TESTPROG/sysop" open "$M/f1/x" wronly,creat -- open "$M/fu/x" wronly,creat -- open "$M/link-f1/x" wronly,creat -- open "$M/d/x2/y/z" wronly,creat -- open "$M/both/x" rdonly'
	step '"$TESTPROG/sysop" mkdir "$M/f2/x" 755 -- symlink t "$M/f2/s" -- mkfifo "$M/f2/p" 644 -- link "$M/fu" "$M/f2/h" -- rename "$M/fu" "$M/f2/r" -- rename "$M/f2/x" "$M/r" -- unlink "$M/f2/x" -- rmdir "$M/f2/x"'
	step 'echo x > "$M/exe/new"; mkdir -p "$M/ro/a/b"; names "$M"; st "$M/f1" "$M/f2" "$M/fu"'
}

compare_kernel_union open-creat-parent-is-file setup action
un_done
