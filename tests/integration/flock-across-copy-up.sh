#!/bin/bash
# flock-across-copy-up: another process holds a flock through a
# read-only descriptor of a lower file; this one appends to it (its
# copy-up), then asks an exclusive lock: the kernel locks the overlay's
# inode, one across the copy-up, and refuses it; under libunion the other
# process's descriptor stays on the lower file (DESIGN.md's listed
# difference), its lock on the lower's inode, and the lock on the upper
# copy is granted.  An EXPECTED FAILURE (XFAIL_TESTS; session 17, hunt17:
# docs/STATUS.md "What remains", README's differences).  The same within
# one process is fixed (integration/flock-copy-up-same-process).  As root
# and as nobody, who owns the lowers.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_cmd flock
# (An expected failure against the kernel: the sanitizer pass's
# libunion side alone would pass it, an XPASS there.)
[ "${UN_UNION_ONLY:-0}" != 1 ] ||
	skip "an expected failure against the kernel: nothing to compare without it"

setup() {
	mkdir -p "$1/upper" "$1/lower1/d"
	echo data >"$1/lower1/d/f"
	echo data >"$1/lower1/d/g"
}

action() {
	# another process holds a shared lock through a read-only open
	# (held: made once the lock is; the holder waits for done)
	step 'cd "$M/d" && { flock -s f sh -c ": >held; while [ ! -e done ]; do sleep 0.05; done" & while [ ! -e held ]; do sleep 0.05; done; flock -x -n f true; echo before=$?; echo x >>f; flock -x -n f true; echo after=$?; : >done; wait; rm held done; }'
}

compare_kernel_union flock-across-copy-up setup action
UN_AS=nobody UN_NOBODY_LOWERS=both compare_kernel_union flock-across-copy-up-nobody setup action
un_done
