#!/bin/bash
# Issue 11 item 2.  access(".") (and faccessat(fd, ".")) in a removed
# directory: the kernel asks the removed directory's dentry (ok); libunion
# answered ENOENT (the name leads nowhere), where stat(".") already read
# the removed directory.  (Difftest root seeds absent:2801, inplace:2855
# at --ops 120.)  A lower directory, a merged one, an upper one.
. "$(dirname "$0")/lib.sh"
ops='
open 6 $M/m rdonly,directory 0
chdir $M/empty
rmdir $M/empty
access . f
access . r
access ./ x
faccessat cwd . f 0
access .. f
rmdir $M/m
faccessat 6 . r 0
chdir $M/up
rmdir $M/up
access . f
'
setup='mkdir -p l1/empty u/m l2/m u/up'
rc=0
repro "$setup" "$ops" || rc=1
AS=nobody repro "$setup" "$ops" || rc=1
exit $rc
