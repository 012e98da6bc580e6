#!/bin/bash
# Issue 11 item 2 (not fixed: xfail.txt).  stat of '..' from a removed
# lower directory (the cwd, or a descriptor) whose merged parent was
# removed too: the child's removal copied the parent up (its whiteout)
# and moved the copy's mtime; the kernel's overlay dentry of the parent
# shows that copy, deleted (nlink 1, its times).  libunion's real '..'
# is the parent's lower directory: nlink 1 (found/74) but the lower's
# times.  Matching them needs the deleted copy held from its rmdir on.
. "$(dirname "$0")/lib.sh"
repro 'mkdir -p l1/p/c l1/r/c l1/r/x' '
open 6 $M/r/c rdonly,directory 0
chdir $M/p/c
rmdir $M/p/c
rmdir $M/p
stat ..
rmdir $M/r/x
rmdir $M/r/c
rmdir $M/r
fstatat 6 .. 0
'
