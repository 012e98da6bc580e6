#!/bin/bash
# ln-sf-replace-lower-link: ln -sf and ln -sfn replacing lower symlinks, files and links to directories; without -n the link goes inside the directory.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	make_small_tree "$1"
	mkl d2 "$1/lower2/link-d2"
}

action() {
	step 'ln -sf f2 "$M/link-f1"; show "$M/link-f1"; cat "$M/link-f1"'
	step 'ln -sf "$M/d/x1" "$M/abslink-f2"; show "$M/abslink-f2"; cat "$M/abslink-f2"'
	step 'ln -sfn d "$M/link-d2"; show "$M/link-d2"; ls "$M/link-d2/"'
	step 'ln -sf f1 "$M/link-d"; readlink "$M/link-d"; show "$M/d/f1"; names "$M/d"'
	step 'ln -sf fu "$M/both"; show "$M/both"; cat "$M/both"; names "$M"'
}

check() {
	local n
	for n in link-f1 abslink-f2 link-d2 both d/f1; do
		[ -L "$2/upper/$n" ] || fail "$1: upper/$n is not a symlink"
	done
}

compare_kernel_union ln-sf-replace-lower-link setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union ln-sf-replace-lower-link-nobody setup action check
un_done
