#!/bin/bash
# found/99's route from the start, taken lexically shortest: `../f` from
# the cwd f/f below an unsearchable f went as `.` (the start itself),
# where the kernel's walk climbs to f and asks its search permission
# (EACCES, libunion ENOENT or ok).  The route climbs to the highest
# directory the path's '..' reached.  User seeds absent:1787, 1146,
# inplace:1751, 2332 at --ops 120, shrunk.  As root (who passes every
# check) and as the user who owns the layers.
. "$(dirname "$0")/lib.sh"
setup='mkdir -p l1/f/f l1/d/d/a l1/b/e/d/f; echo x >l1/f/f/x'
ops='
mkdir $M/f/f/r1 755
chdir $M/f/f/r1
chmod $M/f 444
chdir ..
chown ../f/f 1000 -1
stat ../f
stat ../f/x
lstat ../f/r1
stat x
stat ../../f/f
chdir $M/d/d/a
open 2 $M/d rdonly,directory 0
fchmod 2 600
chdir ..
ls ../d/d
ls ../d
ls .
mkdir $M/b/e/r2 555
chdir $M/b/e/r2
chmod $M/b 600
ls ../d/f
chown $M/b/e/d/n2 1000 -1
unlink $M/b/e/d/f/c
stat ../d
stat $M/b/e/nothing
stat $M/b/e/d
stat $M/f/f/x
stat $M/f/f
'
rc=0
repro "$setup" "$ops" || rc=1
AS=nobody repro "$setup" "$ops" || rc=1
exit $rc
