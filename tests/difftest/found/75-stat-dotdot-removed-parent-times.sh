#!/bin/bash
# Issue 11 item 2.  stat of '..' from a removed lower directory (the
# cwd, or a descriptor) whose merged parent was removed too: the child's
# removal copied the parent up (its whiteout) and moved the copy's
# mtime; the kernel's overlay dentry of the parent shows that copy,
# deleted (nlink 1, its times).  libunion's real '..' is the parent's
# lower directory: nlink 1 (found/74) but it showed the lower's times;
# it now remembers the copy's at the rmdir (stat, fstatat, statx of
# '..', fstat of it opened, stat of '.' after chdir '..').
. "$(dirname "$0")/lib.sh"
ops='
open 6 $M/r/c rdonly,directory 0
chdir $M/p/c
rmdir $M/p/c
rmdir $M/p
stat ..
statx cwd .. 0
open 7 .. rdonly,directory 0
fstat 7
rmdir $M/r/x
rmdir $M/r/c
rmdir $M/r
fstatat 6 .. 0
statx 6 ./.. 0
chdir ..
stat .
'
setup='mkdir -p l1/p/c l1/r/c l1/r/x'
rc=0
repro "$setup" "$ops" || rc=1
AS=nobody repro "$setup" "$ops" || rc=1
exit $rc
