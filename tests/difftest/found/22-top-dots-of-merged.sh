#!/bin/bash
# Issue 11 item 1.  A last component `..` (or `.`) at MERGED's top, by path
# and through a descriptor of MERGED, as the user who owns the layers: the
# kernel answers ENOTEMPTY/EISDIR/EBUSY/EEXIST for the name itself;
# libunion answers from the directory that holds MERGED (root's: EACCES).
AS=nobody
. "$(dirname "$0")/lib.sh"
repro 'mkdir l1/a' '
rmdir $M/..
unlink $M/..
rename $M/.. $M/n1
rename $M/a $M/..
mkdir $M/.. 755
symlink x $M/..
open 6 $M rdonly,directory 0
unlinkat 6 .. removedir
renameat 6 .. 6 n1
mkdirat 6 .. 755
'
