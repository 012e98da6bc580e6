#!/bin/bash
# Issue 11 item 4.  A change the kernel refuses copies nothing up: as the
# user, truncate of a 0444 file (and chmod/utimensat of what the user may
# not change) answers EACCES with the upper untouched, so the lower's hard
# link stays whole (nlink 2); a refused lchown of a lower directory leaves
# it unmerged (nlink 2, not the merged directory's 1).
AS=nobody
. "$(dirname "$0")/lib.sh"
repro 'echo x >l1/f; ln l1/f l1/g; chmod 444 l1/f; mkdir l1/a' '
truncate $M/f 0
open 1 $M/f wronly 0
stat $M/g
lchown $M/a 0 0
stat $M/a
'
