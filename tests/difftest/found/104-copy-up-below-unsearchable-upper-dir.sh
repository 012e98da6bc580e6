#!/bin/bash
# A creation, or a copy-up, below a directory whose upper copy lost its
# x (chmod of a merged directory: the user owns the upper), reached from
# the cwd or a descriptor below it: the kernel copies the parents up
# with the mounter's credentials; libunion's copy_up_parents looked for
# them in the upper by whole paths (EACCES).  User seeds inplace:1517,
# 1469 at --ops 120, shrunk.  As root (who passes every check) and as
# the user who owns the layers.
. "$(dirname "$0")/lib.sh"
setup='mkdir -p l1/a/c l1/b; echo a >l1/b/a; echo x >l1/a/c/old'
ops='
chdir $M
chdir a/c
chmod $M/a 600
open 1 n5 creat,wronly 644
fstat 1
append 1 hello
open 2 old wronly 0
fstat 2
ls .
open 7 $M/b rdonly,directory 0
open 3 $M rdonly 444
fchmod 3 640
openat 4 7 a wronly 400
fstat 4
append 4 more
'
rc=0
repro "$setup" "$ops" || rc=1
AS=nobody repro "$setup" "$ops" || rc=1
exit $rc
