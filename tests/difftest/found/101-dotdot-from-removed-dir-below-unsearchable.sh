#!/bin/bash
# found/99 from a REMOVED start.  A relative path that climbs by '..'
# from a removed cwd (or a descriptor of a removed directory) into a live
# directory below one that lost its x: the kernel walks from the deleted
# directory through its '..' and down, asking the search permission of
# what it passes alone; libunion's dead_start settled the live directory
# by its whole path through the unsearchable one (EACCES where the
# kernel answers ENOENT or ok).  User seeds absent:1146, 1678, 1787,
# inplace:1103, 1271, two:1047 at --ops 120, shrunk.  As root (who
# passes every check) and as the user who owns the layers.
. "$(dirname "$0")/lib.sh"
setup='mkdir -p l1/b/e l1/f/a/e l1/a/x; echo x >l1/b/e/g'
ops='
mkdir $M/b/e/r2 555
chdir $M/b/e/r2
unlinkat cwd $M/b/e/r2 removedir
chmod $M/b 600
unlink ../d/f/d
unlink ../c
lstat ../r2
lstat ../g
stat ..
access ../g r
open 5 ../g rdonly 0
fstat 5
chdir $M/f/a/e
mkdir r1 750
chdir r1
unlinkat cwd $M/f/a/e/r1 removedir
chmod $M/f 600
open 7 ../../.. rdonly,directory 0
fstat 7
open 8 ../.. rdonly,directory 0
fstat 8
mkdir $M/a/x/r3 755
open 6 $M/a/x/r3 rdonly,directory 0
rmdir $M/a/x/r3
fchdir 6
chmod $M/a 444
unlink ../e
lstat ../r3
fstatat 6 .. 0
'
rc=0
repro "$setup" "$ops" || rc=1
AS=nobody repro "$setup" "$ops" || rc=1
exit $rc
