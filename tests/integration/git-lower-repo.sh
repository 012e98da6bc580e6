#!/bin/bash
# git-lower-repo: git init/add/commit/checkout in a repository that lies in a lower.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_cmd git

export GIT_AUTHOR_NAME=tester GIT_AUTHOR_EMAIL=tester@example.invalid
export GIT_COMMITTER_NAME=tester GIT_COMMITTER_EMAIL=tester@example.invalid
export GIT_AUTHOR_DATE='@1600000000 +0000' GIT_COMMITTER_DATE='@1600000000 +0000'
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null

setup() {
	mkdir -p "$1/upper" "$1/lower1" "$1/lower2"
	local r=$1/lower1/repo
	git init -q -b main "$r"
	printf 'a\nb\n' >"$r/a.txt"
	echo "b file" >"$r/b.txt"
	mkdir -p "$r/src"
	echo "int main(void) { return 0; }" >"$r/src/main.c"
	git -C "$r" add -A
	git -C "$r" commit -qm first
	echo "second" >>"$r/b.txt"
	git -C "$r" commit -qam second
	# a file of the working tree that an upper and a lower both hold
	echo "untracked from lower2" >"$1/lower2/notes"
}

action() {
	step 'cd "$M/repo" && git status --short && git log --oneline && git rev-parse HEAD'
	step 'cd "$M/repo" && echo change >> a.txt && git status --short && git diff --stat'
	step 'cd "$M/repo" && git add -A && git commit -qm third && git log --oneline'
	step 'cd "$M/repo" && git checkout -qb topic && echo t > t.txt && git add t.txt && git commit -qm topic && git checkout -q main && ls && git branch'
	step 'cd "$M/repo" && git checkout -q HEAD~2 && cat a.txt b.txt && git checkout -q main && cat a.txt'
	step 'cd "$M/repo" && rm b.txt && git status --short && git checkout -- b.txt && cat b.txt'
	step 'cd "$M/repo" && git gc -q && git fsck 2>&1 && git count-objects -v | grep -E "^(count|in-pack|packs|garbage)"'
	step 'cd "$M/repo" && git log --oneline --all | sort && git stash list'
	step 'cd "$M" && git init -q -b main fresh && cd fresh && cp ../notes . && git add notes && git commit -qm notes && git log --oneline'
}

# The index holds inode and device numbers.
UN_LISTING_IGNORE="/\\.git/index " compare_kernel_union git-lower-repo setup action
un_done
