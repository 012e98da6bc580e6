#!/bin/bash
# Issue 11.  lseek(SEEK_END) of an O_PATH descriptor on a merged
# directory: the kernel refuses any lseek of an O_PATH descriptor
# (EBADF) before the overlay's answer to SEEK_END on a merged directory
# (EINVAL); libunion gave EINVAL.  (Difftest root seed inplace:1422 at
# --ops 120.)  Also a directory copied up under it (f: lower, then
# chmod), and one merged from the start (m).
. "$(dirname "$0")/lib.sh"
ops='
chmod $M/f 777
open 2 $M/f path 0
lseek 2 100 end
lseek 2 0 set
open 3 $M/m path,directory 0
lseek 3 0 end
open 4 $M/m rdonly,directory 0
lseek 4 0 end
'
setup='mkdir -p l1/f/e u/m l2/m/x'
rc=0
repro "$setup" "$ops" || rc=1
AS=nobody repro "$setup" "$ops" || rc=1
exit $rc
