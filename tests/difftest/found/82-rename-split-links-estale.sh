#!/bin/bash
# Seed absent:801 as the user.  The kernel overlay a user mounts
# (userxattr) records no origin on the copy-up of a symlink or fifo (no
# user.* xattrs there): a hard link made of the copy is another overlay
# inode than the copied-up name's, and a rename between the two answers
# ESTALE; between two later links, or two names of a regular file, it
# does nothing.  libunion renamed (a no-op) every time.
AS=nobody
. "$(dirname "$0")/lib.sh"
repro 'mkdir -p l1/e; ln -s x l1/e/f; ln -s y l1/e/g; mkfifo l1/e/p
echo hi >l1/e/r' '
link $M/e/f $M/e/n2
rename $M/e/n2 $M/e/f
link $M/e/f $M/e/n3
rename $M/e/n2 $M/e/n3
renameat2 $M/e/f $M/e/n2 exchange
link $M/e/p $M/e/p2
rename $M/e/p $M/e/p2
link $M/e/r $M/e/r2
rename $M/e/r2 $M/e/r
unlink $M/e/g
link $M/e/f $M/e/g
rename $M/e/g $M/e/f
rename $M/e/g $M/e/n3
'
