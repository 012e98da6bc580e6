#!/bin/bash
# open-creat-excl-lower: O_CREAT|O_EXCL: EEXIST for names the lowers show, success over a whiteout.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step '"$TESTPROG/sysop" open "$M/f1" wronly,creat,excl -- open "$M/d" wronly,creat,excl -- open "$M/link-f1" wronly,creat,excl -- open "$M/new" wronly,creat,excl 0640 -- stat "$M/new" -- open "$M/new" wronly,creat,excl'
	step 'set -C; echo clobber > "$M/f2"; echo fresh > "$M/fresh"; cat "$M/f2" "$M/fresh"'
	step 'rm "$M/f2"; "$TESTPROG/sysop" open "$M/f2" wronly,creat,excl 0600 -- stat "$M/f2"; cat "$M/f2"; ls "$M"'
	step '"$TESTPROG/sysop" open "$M/nodir/x" wronly,creat,excl -- open "$M/f1/x" wronly,creat,excl -- open "$M/d/sub/y2" rdwr,creat,excl -- open "$M/d/sub/new" rdwr,creat,excl'
	step '"$TESTPROG/sysop" open "$M/f1" wronly,creat -- read "$M/f1" -- open "$M/e1" wronly,creat'
}

compare_kernel_union open-creat-excl-lower setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union open-creat-excl-lower-nobody setup action
un_done
