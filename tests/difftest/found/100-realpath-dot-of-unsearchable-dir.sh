#!/bin/bash
# Issue 11 item 5.  realpath of an absolute path into a union, ending in
# '.' or '..' below a directory that lost its x: glibc's realpath
# readlinks each prefix by its whole path and takes '.' and '..' off by
# name after a check that what precedes is a directory ("d/"), so d's
# own x is never asked; libunion looked the path up (d/. asks d's x:
# EACCES).  User seed inplace:1480 at --ops 120.  As root and as the
# user who owns the layers.
. "$(dirname "$0")/lib.sh"
setup='mkdir -p l1/d/e l1/s; ln -s d l1/s/ln; echo x >l1/f'
ops='
chmod $M/d 600
realpath $M/d/.
realpath $M/d/..
realpath $M/d/e/..
realpath $M/s/ln/.
realpath $M/f/.
realpath $M/f/..
realpath $M/nothing/..
realpath $M/d
chmod $M/d 0
realpath $M/d/.
'
rc=0
repro "$setup" "$ops" || rc=1
AS=nobody repro "$setup" "$ops" || rc=1
exit $rc
