#!/bin/bash
# Issue 11 item 5, with '..'.  A relative path that climbs by '..' from a
# cwd (or a dirfd) below a directory that lost its x: the kernel walks
# from the cwd, through '..' and down, and asks the search permission of
# what it passes alone; libunion settled each directory '..' reached by
# its whole path in the layer, through the unsearchable one (EACCES,
# where the kernel answers ok or ENOENT).  User seeds absent:1464
# (`chdir c/a/f; chmod c 600; chmod ../.. 640`) and absent:1146
# (`unlink ../d/f/d`) at --ops 120, shrunk.  As root (who passes every
# check) and as the user who owns the layers.
. "$(dirname "$0")/lib.sh"
setup='mkdir -p l1/b/e l1/c/a/f'
ops='
mkdir $M/b/e/r2 755
chdir $M/b/e/r2
chmod $M/b 600
unlink ../d/f/d
stat ..
lstat ../r2
lstat ../nothing
open 3 .. rdonly,directory 0
fstat 3
openat 4 3 .. rdonly,directory 0
fstatat 4 e 0
fstatat 3 r2/.. 0
chdir $M/c/a/f
chmod $M/c 600
stat ../..
chmod ../.. 640
stat ../..
chmod ../.. 700
access ../f x
mkdir ../g 755
stat ../g
'
rc=0
repro "$setup" "$ops" || rc=1
AS=nobody repro "$setup" "$ops" || rc=1
exit $rc
