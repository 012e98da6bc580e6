#!/bin/bash
# open-creat-trailing-slash: O_CREAT with a trailing slash, on new names, files and directories: EISDIR (ENOENT under a missing parent), nothing made.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step '"$TESTPROG/sysop" open "$M/new/" wronly,creat -- open "$M/new/" rdonly,creat -- open "$M/f1/" wronly,creat -- open "$M/d/" wronly,creat -- open "$M/e1/" rdonly,creat,excl -- open "$M/d2/new/" wronly,creat -- open "$M/nodir/x/" wronly,creat -- open "$M/link-d/" wronly,creat'
	step 'echo x > "$M/new2/"; touch "$M/new3/"; names "$M"; names "$M/d2"'
}

compare_kernel_union open-creat-trailing-slash setup action
un_done
