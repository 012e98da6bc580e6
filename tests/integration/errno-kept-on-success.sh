#!/bin/bash
# errno-kept-on-success: a call that succeeds leaves errno as it was, whatever the library's own lookups and copy-ups failed with on the way (a name a lower lacks: ENOENT; an xattr the upper refuses): cmake's kwsys zeroes errno before opendir and takes one set after readdir's loop for a failure (its build progress read [-75%]); stat, opendir, chmod, open, mkdir, rename, unlink, xattrs and the rest, merged directories, copy-ups, names of one layer (session 17, hunt17).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	mkdir -p "$1/upper/d/up" "$1/lower1/d/sub" "$1/lower2/d/sub/deep" \
		"$1/lower2/only/x"
	echo u >"$1/upper/d/up/u"
	echo a >"$1/lower1/d/a"
	echo b >"$1/lower2/d/b"
	echo c >"$1/lower2/d/sub/deep/c"
	echo o >"$1/lower2/only/x/o"
	ln -s a "$1/lower1/d/la"
	mkdir -p "$1/lower2/bld/CMakeFiles"
}

action() {
	local s='SYSOP_ERRNO=1 "$TESTPROG/sysop"'
	# kwsys's count, in directories merged, of one lower, of the upper
	step "$s"' count "$M/d" -- count "$M/d/sub" -- count "$M/d/sub/deep" -- count "$M/only/x" -- count "$M/d/up" -- count "$M"'
	step "$s"' stat "$M/d/b" -- lstat "$M/d/sub/deep/c" -- stat "$M/d/la" -- statx "$M/only/x/o" -- access "$M/d/sub/deep" r -- getxattr "$M/d/b" user.nope -- read "$M/d/sub/deep/c"'
	# changes: each copies up or makes a name a lower lacks
	step "$s"' chmod "$M/d/sub/deep/c" 600 -- chown "$M/only/x/o" -1 -1 -- utimens "$M/d/b" 5 0 -- truncate "$M/d/a" 1 -- write "$M/only/x/o" W -- setxattr "$M/d/sub/deep" user.k v'
	step "$s"' mkdir "$M/d/sub/n" 755 -- mkfifo "$M/only/f" 644 -- open "$M/d/sub/deep/new" wronly,creat,excl -- symlink b "$M/d/lb" -- link "$M/d/b" "$M/d/hb" -- rename "$M/d/a" "$M/d/a2" -- unlink "$M/d/b" -- rmdir "$M/d/sub/n"'
	# the progress markers of a cmake build: made, then counted
	step 'mkdir "$M/bld/CMakeFiles/Progress" && echo 4 >"$M/bld/CMakeFiles/Progress/count.txt" && touch "$M/bld/CMakeFiles/Progress/1"; '"$s"' count "$M/bld/CMakeFiles/Progress" -- count "$M/bld/CMakeFiles"'
}

compare_kernel_union errno-kept-on-success setup action
UN_AS=nobody UN_NOBODY_LOWERS=both compare_kernel_union errno-kept-on-success-nobody setup action
un_done
