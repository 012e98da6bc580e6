#!/bin/bash
# statfs-merged: statfs/statvfs of merged paths (lower-only, upper, merged, absent): the same answers and errors; a read-only union reports ST_RDONLY.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

sv='import os, sys
for p in sys.argv[1:]:
    try:
        s = os.statvfs(p)
        print(p.rsplit("/", 1)[1] or "/", "namemax", s.f_namemax, "rdonly", bool(s.f_flag & os.ST_RDONLY), "bsize>0", s.f_bsize > 0)
    except OSError as e:
        print(p.rsplit("/", 1)[1], e.strerror)'
export sv

action() {
	step 'stat -f -c "%n namelen=%l type=%T" "$M" "$M/d2" "$M/f1" "$M/du" "$M/d/x1"'
	step 'stat -f -c "%n %l" "$M/nope"; stat -f -c "%n %l" "$M/f1/x"; rm "$M/f2"; stat -f -c "%n %l" "$M/f2"'
	step '"$PYTHON" -c "$sv" "$M" "$M/d2/deeper" "$M/fu" "$M/nope" "$M/link-d"'
	step 'df --output=fstype,target "$M" 2>&1 | tail -1 | sed "s/ *$//"'
}

compare_kernel_union statfs-merged setup action
UN_NO_UPPER=1 compare_kernel_union statfs-merged-readonly setup action
un_done
