#!/bin/bash
# Issue 11 item 2.  A directory descriptor whose directory was removed:
# the kernel walks `..` to the merged parent (a merged directory, nlink
# 1), answers ENOENT for creations in it and EBUSY for renameat(fd, ".")
# and renameat(fd, "..") to a name in it.
AS=nobody
. "$(dirname "$0")/lib.sh"
repro 'mkdir l1/a l2/a; echo x >l1/a/f' '
mkdir $M/a/r1 755
open 6 $M/a/r1 rdonly,directory 0
rmdir $M/a/r1
fstat 6
fstatat 6 .. 0
mkdirat 6 n5 755
renameat 6 . 6 n6
renameat 6 .. 6 n7
fdls 6
'
