#!/bin/bash
# Issue 11 item 6.  In a read-only union (empty UPPER) the kernel answers
# EROFS first for every change (unlink of a directory, removexattr of an
# absent name, unlink("f/")); libunion checks the name first.
RO=1
. "$(dirname "$0")/lib.sh"
repro 'mkdir l1/d; echo x >l1/f' '
unlink $M/d
removexattr $M/f user.none
unlink $M/f/
rmdir $M/f
'
