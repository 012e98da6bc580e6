#!/bin/bash
# found/99's walks ended by calls of their own: chdir, a listing (ls,
# lsseek: opendir) and faccessat of a directory (or a name) reached from
# the cwd, live, below a directory that lost its x.  The lookup found it
# by its route (route_again), but the call itself then went by the
# layer's whole path (EACCES, where the kernel answers from the cwd).
# User seeds absent:1982, 1648, 1423, 1787, inplace:1751, 2313, 2068,
# 1103, 1271, two:1047 at --ops 120, shrunk.  As root (who passes every
# check) and as the user who owns the layers.
. "$(dirname "$0")/lib.sh"
setup='mkdir -p l1/e/a/d l1/d/b/c/b l1/c/f/d l1/x/y/z; echo c >l1/d/b/c/c'
ops='
chdir $M/e/a/d
chmod ../.. 600
chdir ../d
ls ..
ls .
chdir ..
ls .
chdir $M/d/b/c
chmod $M/d/b/c/b 640
chmod $M/d 600
faccessat cwd c r 0
faccessat cwd b x 0
chdir $M/c/f/d
open 0 ../n1 rdwr,creat 640
chdir $M/c/f
chmod $M/c 600
lsseek .
mkdir $M/x/y/z/r1 755
open 6 $M/x/y/z/r1 rdonly,directory 0
fchdir 6
chmod $M/x 444
chdir ..
ls .
ls r1
'
rc=0
repro "$setup" "$ops" || rc=1
AS=nobody repro "$setup" "$ops" || rc=1
exit $rc
