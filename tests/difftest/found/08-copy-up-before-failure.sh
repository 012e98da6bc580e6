#!/bin/bash
# Calls that fail still copy up (the object, or its parents):
# open(O_RDWR|O_DIRECTORY) of a lower file (ENOTDIR) copies it up and
# breaks its hard link (nlink 2 -> 1); open(O_RDWR|O_TRUNC|O_DIRECTORY)
# copies the parents up (a lower-only directory becomes merged: nlink
# 3 -> 1).  Kernel: ENOTDIR without a copy-up.  (truncate of a directory,
# removexattr of a missing xattr and lsetxattr on a symlink did the same
# in earlier builds; kept here as regressions.)
. "$(dirname "$0")/lib.sh"
repro 'mkdir -p l1/d1 l1/d2 l1/d3/s l1/d4; echo 1 >l1/f; ln l1/f l1/hl; ln -s x l1/d4/sl; echo 2 >l1/d3/s/g' '
truncate $M/d1 0
removexattr $M/d2 user.nope
open 1 $M/hl rdwr,directory 0
lsetxattr $M/d4/sl user.k v 0
open 2 $M/d3/s/g rdwr,trunc,directory 0
lstat $M/d1
lstat $M/d2
lstat $M/hl
lstat $M/d4
lstat $M/d3
'
