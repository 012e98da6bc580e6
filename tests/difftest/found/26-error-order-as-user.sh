#!/bin/bash
# Issue 11 item 6.  The kernel's error order as the user who owns the
# layers: in a 0555 directory the permission error (EACCES) comes before
# ENOTDIR and EISDIR; libunion answers the type error first.
AS=nobody
. "$(dirname "$0")/lib.sh"
repro 'mkdir -p l1/d/sub; echo x >l1/d/f; chmod 555 l1/d' '
rmdir $M/d/f
unlinkat cwd $M/d/f removedir
rename $M/d/f $M/d/sub
unlink $M/d/sub
'
