#!/bin/bash
# git-clone-lower-hardlinks: `git clone` of a repository that lies in a
# lower, by its local path (git links the objects): git >= 2.39.1 checks
# each link against the source's lstat taken before it (st_ino, st_dev),
# and the kernel overlay keeps a file's inode number across the copy-up
# that link() makes (one file system: the origin's), where libunion's
# changes (DESIGN.md: `st_ino` and `st_dev` of a file change at its
# copy-up): "fatal: hardlink different from source".  An EXPECTED
# FAILURE (XFAIL_TESTS, docs/STATUS.md "What remains"); --no-hardlinks
# agrees (the second step).  As root and as nobody, who owns the lowers.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_cmd git
# (An expected failure against the kernel: the sanitizer pass's
# libunion side alone would pass it, an XPASS there.)
[ "${UN_UNION_ONLY:-0}" != 1 ] ||
	skip "an expected failure against the kernel: nothing to compare without it"

export GIT_AUTHOR_NAME=tester GIT_AUTHOR_EMAIL=tester@example.invalid
export GIT_COMMITTER_NAME=tester GIT_COMMITTER_EMAIL=tester@example.invalid
export GIT_AUTHOR_DATE='@1600000000 +0000' GIT_COMMITTER_DATE='@1600000000 +0000'
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null

setup() {
	mkdir -p "$1/upper" "$1/lower1" "$1/lower2"
	local r=$1/lower1/repo
	git init -q -b main "$r"
	printf 'a\nb\n' >"$r/a.txt"
	git -C "$r" add -A
	git -C "$r" commit -qm first
}

action() {
	step 'cd "$M" && git clone -q repo linked && git -C linked log --oneline && cat linked/a.txt'
	step 'cd "$M" && git clone -q --no-hardlinks repo copied && git -C copied log --oneline'
}

# The index holds inode and device numbers.
UN_LISTING_IGNORE="/\\.git/index " compare_kernel_union git-clone-lower-hardlinks setup action
UN_AS=nobody UN_NOBODY_LOWERS=both UN_LISTING_IGNORE="/\\.git/index " \
	compare_kernel_union git-clone-lower-hardlinks-nobody setup action
un_done
