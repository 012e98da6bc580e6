#!/bin/bash
# Session 17 (hunt17).  A call that succeeds leaves errno as it found it
# (driver.c zeroes it before each operation and prints " errno=E" after
# one that did not fail): libunion's lookups left the ENOENT of a name a
# lower lacks, its listings the ENODATA of an opaque mark not there, its
# copy-ups an xattr's EOPNOTSUPP, after stat, opendir, chmod, mkdir,
# unlink, rename... that succeeded (difftest seeds all over, root and
# user, once the driver printed it; cmake's progress read [-75%]: kwsys
# zeroes errno before opendir and takes one set after readdir's loop for
# a failure).  As root and as the user who owns the layers.
. "$(dirname "$0")/lib.sh"
setup='mkdir -p l1/d l2/d/sub u/d/up; echo a >l1/d/a; echo b >l2/d/b; echo c >l2/d/sub/c'
ops='
lstat $M/d/b
stat $M/d/sub/c
ls $M/d
ls $M/d/sub
chmod $M/d/sub/c 600
mkdir $M/d/sub/n 755
unlink $M/d/b
rename $M/d/a $M/d/a2
rmdir $M/d/sub/n
open 3 $M/d/new wronly,creat 644
close 3
access $M/d/sub f
'
rc=0
repro "$setup" "$ops" || rc=1
AS=nobody repro "$setup" "$ops" || rc=1
exit $rc
