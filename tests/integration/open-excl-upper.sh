#!/bin/bash
# open-excl-upper: O_CREAT|O_EXCL on names the upper holds (files, directories, a dangling symlink): EEXIST, nothing changed.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	make_small_tree "$1"
	mkl nowhere "$1/upper/dangling-u"
	mkl fu "$1/upper/link-fu"
}

action() {
	step '"$TESTPROG/sysop" open "$M/fu" wronly,creat,excl -- open "$M/du" rdonly,creat,excl -- open "$M/dangling-u" wronly,creat,excl -- open "$M/link-fu" wronly,creat,excl -- open "$M/both" rdwr,creat,excl -- open "$M/d/xu" wronly,creat,excl -- open "$M/du/in-du" wronly,creat,excl,trunc'
	step 'show "$M/fu" "$M/both" "$M/du/in-du"; test -e "$M/nowhere" || echo "nowhere: not created"'
	step 'echo made > "$M/made"; "$TESTPROG/sysop" open "$M/made" wronly,creat,excl -- open "$M/made" wronly,creat -- read "$M/made"'
	step 'set -C; echo clobber > "$M/fu"; echo clobber > "$M/dangling-u"; cat "$M/fu"; names "$M"'
}

compare_kernel_union open-excl-upper setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union open-excl-upper-nobody setup action
un_done
