#!/bin/bash
# Issue 11 item 2.  stat (lstat, statx, fstatat) of '..' from a removed
# cwd or descriptor whose parent was removed too: the kernel's overlay
# dentry of that parent is merged when a lower holds it (nlink 1), its
# upper copy deleted; upper-only, nlink 0.  libunion answered the real
# deleted directory's nlink 0 for both (only the removed directory itself
# remembered that it was merged); also for open('..') then fstat, and
# chdir('..') then stat('.').  (found/75: the same parent over a lower
# child, whose times the kernel takes from the deleted copy.)
. "$(dirname "$0")/lib.sh"
ops='
open 6 $M/q/c rdonly,directory 0
chdir $M/s/c
rmdir $M/s/c
rmdir $M/s
rmdir $M/q/c
rmdir $M/q
stat ..
lstat ..
statx cwd .. 0
fstatat cwd ./.. 0
stat .
stat ../..
fstatat 6 .. 0
statx 6 ./.. 0
open 7 .. rdonly,directory 0
fstat 7
chdir ..
stat .
fchdir 6
chdir ..
stat .
'
setup='mkdir -p l1/s u/s/c u/q/c'
rc=0
repro "$setup" "$ops" || rc=1
AS=nobody repro "$setup" "$ops" || rc=1
exit $rc
