#!/bin/bash
# A change (chmod, mkdir) or faccessat of a name at or below the cwd,
# whose copy lies in the cwd's layer below a directory that lost its x:
# the lookup found it from the cwd, but the call went by the layer's
# whole path (EACCES, where the kernel answers from the cwd).  User
# seeds absent:1982, 1648, two:1047, inplace:2237 at --ops 120, shrunk.  As root (who
# passes every check) and as the user who owns the layers.
. "$(dirname "$0")/lib.sh"
setup='mkdir -p u/e/a/d u/d/b/c/c l1/a/f u/empty; ln -s ../.. u/d/b/c/b; echo c >u/e/a/d/c'
ops='
chdir $M/e/a/d
chmod ../.. 600
openat 1 cwd c rdwr 0
chmod . 750
chmod c 600
mkdir n 700
symlink c sl
faccessat cwd c r 0
access n x
chdir $M/d/b/c
chmod $M/d/b/c/b 640
faccessat cwd c r 0
access c x
link $M/e ../d
mkdir ../n 700
mkdir $M/a/f/r2 755
open 6 $M/a/f/r2 rdonly,directory 0
fchdir 6
chmod $M/a 444
chdir ..
mkdir r1 755
stat r1
inocheck r1
chdir $M/empty
chmod $M 600
mkdir empty 755
inocheck empty
chmod $M 755
'
rc=0
repro "$setup" "$ops" || rc=1
AS=nobody repro "$setup" "$ops" || rc=1
exit $rc
