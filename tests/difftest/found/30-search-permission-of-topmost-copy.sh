#!/bin/bash
# Issue 11 item 5.  Search permission of a merged directory is that of its
# topmost copy, for the names found only in a lower too and for chdir: as
# the user, after chmod 600 of a directory (its copy in the upper is 0600)
# the kernel answers EACCES below it; libunion looks the lower name up.
AS=nobody
. "$(dirname "$0")/lib.sh"
repro 'mkdir -p l1/d l2/d/s; echo x >l2/d/f' '
chmod $M/d 600
stat $M/d/f
readall $M/d/f
chdir $M/d
ls $M/d/s
chdir $M/d/s
'
