#!/bin/bash
# statx-then-xattr-other-change: statx answers from the lookup's own statx
# of the last name, and getxattr/lgetxattr right after take that lookup
# again (ls -l's three calls a name): the answers must stay right when
# another process changes the name in between (a copy-up, a whiteout, a
# name made again in the upper), and statx must agree with stat.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_cmd setfattr
need_prog sysop

setup() {
	make_small_tree "$1"
	setfattr -n user.v -v lower "$1/lower1/f1"
	setfattr -n user.v -v lower "$1/lower2/f2"
	setfattr -n user.v -v upper "$1/upper/fu"
}

action() {
	# Every kind of name, by statx and lstatx, then its attributes.
	step '"$TESTPROG/sysop" lstatx "$M/f1" -- lgetxattr "$M/f1" user.v -- getxattr "$M/f1" user.v -- lstatx "$M/fu" -- getxattr "$M/fu" user.v -- lstatx "$M/link-f1" -- statx "$M/link-f1" -- getxattr "$M/link-f1" user.v -- lgetxattr "$M/link-f1" user.v -- lstatx "$M/d" -- statx "$M/link-d" -- lstatx "$M/e1" -- lstatx "$M/ro" -- lstatx "$M/nope" -- statx "$M/f1/x" -- lgetxattr "$M/nope" user.v'
	# Another process copies f1 up with a new value between the statx
	# and the getxattr of this one.
	step '"$TESTPROG/sysop" lstatx "$M/f1" -- sh "$TESTPROG/sysop setxattr $M/f1 user.v changed >/dev/null" -- lgetxattr "$M/f1" user.v -- getxattr "$M/f1" user.v -- lstatx "$M/f1"'
	# Another process deletes the lower f2 (a whiteout), then makes it
	# again as a symlink.
	step '"$TESTPROG/sysop" lstatx "$M/f2" -- sh "rm $M/f2" -- lgetxattr "$M/f2" user.v -- lstatx "$M/f2" -- sh "ln -s fu $M/f2" -- getxattr "$M/f2" user.v -- lgetxattr "$M/f2" user.nope -- lstatx "$M/f2" -- statx "$M/f2"'
	# An upper file replaced by a directory, then by a file again.
	step '"$TESTPROG/sysop" lstatx "$M/fu" -- sh "rm $M/fu; mkdir $M/fu" -- lgetxattr "$M/fu" user.v -- lstatx "$M/fu" -- sh "rmdir $M/fu; echo x >$M/fu" -- getxattr "$M/fu" user.v -- lstatx "$M/fu"'
	# This process removes an upper name that no lower has (no record,
	# no counter moves), then asks for it again.
	step '"$TESTPROG/sysop" lstatx "$M/d/xu" -- getxattr "$M/d/xu" user.v -- unlink "$M/d/xu" -- open "$M/d/xu/" rdonly -- getxattr "$M/d/xu/" user.v -- lgetxattr "$M/d/xu" user.v -- open "$M/d/xu" rdonly'
}

compare_kernel_union statx-then-xattr-other-change setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union statx-then-xattr-other-change-nobody setup action
un_done
