#!/bin/bash
# rename of one name of a file onto another name of the same file: the
# kernel does nothing and answers 0 before it asks any permission
# (vfs_rename: source == target), where libunion asked the parents'
# write permission first (EACCES below a MERGED chmod'ed 555).  The
# overlay shares one inode between the hard links of an upper file (a
# copied-up lower file linked since, or the upper's own); not between
# those of a lower file (index=off: each name its own inode until copied
# up), whose rename goes on.  User seed absent:2585 at --ops 120, shrunk.
# As root and as the user who owns the layers.
. "$(dirname "$0")/lib.sh"
setup=': >l2/b; echo u >u/x; ln u/x u/y; echo l >l1/p; ln l1/p l1/q'
ops='
link $M/b $M/a
chmod $M 555
rename $M/b $M/a
rename $M/y $M/x
renameat2 $M/x $M/y noreplace
rename $M/p $M/q
chmod $M 755
rename $M/a $M/b
rename $M/p $M/q
'
rc=0
repro "$setup" "$ops" || rc=1
AS=nobody repro "$setup" "$ops" || rc=1
exit $rc
