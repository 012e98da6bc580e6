#!/bin/bash
# Session 17 (hunt17), NOT FIXED (found/xfail.txt).  A lock held through a
# read-only descriptor of a lower file, then the file opened for writing
# through another description (its copy-up): the kernel locks the
# overlay's inode, one across the copy-up, and refuses the second lock
# (EWOULDBLOCK); under libunion the copy-up re-points the first
# descriptor at a new open file of the upper copy, without its lock, and
# the second lock is granted (between processes: the other's read-only
# descriptor stays on the lower file, its lock on the lower's inode).
# Found by hand (flock(1), python's fcntl) and by DIFFTEST_LOCKS=1
# difftest.py.  As root and as the user who owns the layers.
. "$(dirname "$0")/lib.sh"
setup='mkdir -p l1/d; echo a >l1/d/f; echo b >l1/d/g'
ops='
open 1 $M/d/f rdonly 0
flock 1 exnb
open 2 $M/d/f rdwr 0
flock 2 exnb
flock 2 shnb
open 3 $M/d/g rdonly 0
flock 3 shnb
open 4 $M/d/g wronly,append 0
flock 4 shnb
flock 4 exnb
flock 3 un
flock 4 exnb
'
rc=0
repro "$setup" "$ops" || rc=1
AS=nobody repro "$setup" "$ops" || rc=1
exit $rc
