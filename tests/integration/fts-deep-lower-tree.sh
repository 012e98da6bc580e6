#!/bin/bash
# fts-deep-lower-tree: rm -rf, chmod -R and chown -R (gnulib's fts)
# over a lower tree deeper than fts's ring of 4 parent descriptors.
# Below that depth fts climbs back by openat(fd, "..") and checks that
# the parent's st_dev/st_ino are still the ones it saw going down
# ("fts_read failed: No such file or directory" otherwise).  Its change
# copied each directory up: the kernel keeps a directory's st_ino across
# its copy-up (the lower origin's), libunion gives the upper copy's
# (found by tests/stress/progs.py --as-user, seeds 129 and 141: chmod -R
# and rm -rf of a tree holding a git repository's .git/logs/refs/heads).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

# (An expected failure against the kernel: the sanitizer pass's
# libunion side alone would pass it, an XPASS there.)
[ "${UN_UNION_ONLY:-0}" != 1 ] ||
	skip "an expected failure against the kernel: nothing to compare without it"

setup() {
	local p d top
	mkdir -p -m 755 "$1/upper"
	for top in rmme chm chw; do
		p=$1/lower1/$top
		for d in a b c d e f g; do
			p=$p/$d
			mkd "$p" 755
			mkf "$p/x" 644 x
		done
	done
	# a part of the tree in the other lower: the directories merged
	mkd "$1/lower2/chm" 755
	mkd "$1/lower2/chm/a" 755
	mkf "$1/lower2/chm/a/y" 644 y
}

action() {
	step 'rm -rf "$M/rmme"; echo rc=$?; ls -A "$M"'
	step 'chmod -R 700 "$M/chm"; echo rc=$?; find "$M/chm" -printf "%m %y %P\n" | sort -k3'
	step 'chmod -R u-w,go= "$M/chw"; echo rc=$?; find "$M/chw" -printf "%m %y %P\n" | sort -k3'
}

compare_kernel_union fts-deep-lower-tree setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union fts-deep-lower-tree-nobody setup action
un_done
