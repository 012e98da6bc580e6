#!/bin/bash
# flock-across-copy-up: a lock taken through a read-only descriptor of a
# lower file, then the file opened for writing (its copy-up), by another
# process (flock(1), `echo >>`) or in the same one (python's fcntl): the
# kernel locks the overlay's inode, one across the copy-up, and refuses a
# conflicting lock asked after it; under libunion the other process's
# descriptor stays on the lower file (DESIGN.md's listed difference), its
# lock on the lower's inode, and in one process the copy-up re-points the
# descriptor at a new open file of the upper copy, without its lock: the
# second lock is granted.  An EXPECTED FAILURE (XFAIL_TESTS; session 17,
# hunt17: docs/STATUS.md "What remains", README's differences,
# difftest found/251, DIFFTEST_LOCKS=1).  As root and as nobody, who
# owns the lowers.
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
	step 'cd "$M/d" && { flock -s f sleep 2 & sleep 0.5; flock -x -n f true; echo before=$?; echo x >>f; flock -x -n f true; echo after=$?; wait; }'
	# one process: a lock through O_RDONLY, then an O_RDWR open of the
	# same name (the copy-up) asks for an exclusive one
	stepx <<'PY'
cd "$M/d" && "$PYTHON" -c '
import fcntl, os
a = os.open("g", os.O_RDONLY)
fcntl.flock(a, fcntl.LOCK_EX | fcntl.LOCK_NB)
b = os.open("g", os.O_RDWR)
try:
    fcntl.flock(b, fcntl.LOCK_EX | fcntl.LOCK_NB)
    print("second lock granted")
except OSError as e:
    print("second lock refused", e.errno == 11)
'
PY
}

compare_kernel_union flock-across-copy-up setup action
UN_AS=nobody UN_NOBODY_LOWERS=both compare_kernel_union flock-across-copy-up-nobody setup action
un_done
