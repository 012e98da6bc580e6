#!/bin/bash
# Session 17 (hunt17).  A flock held through a read-only descriptor of a
# lower file, then the file opened for writing through another
# description (its copy-up): the kernel locks the overlay's inode, one
# across the copy-up, and refuses the second lock (EWOULDBLOCK); under
# libunion the copy-up re-pointed the first descriptor at a new open file
# of the upper copy, without its lock, and the second lock was granted.
# Fixed: copy_up.c's repoint_fd takes the lock /proc/self/fdinfo lists
# for the old open file on the new one.  (Between processes it stays:
# integration/flock-across-copy-up, an XFAIL.)  Found by hand (flock(1),
# python's fcntl), then by DIFFTEST_LOCKS=1 difftest.py (17 of 600
# seeds).  As root and as the user who owns the layers.
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
