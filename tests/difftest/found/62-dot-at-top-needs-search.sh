#!/bin/bash
# Issue 11 items 1 and 6.  A last `.` or `..` right after MERGED is taken
# in MERGED's directory, which needs search permission first
# (link_path_walk's may_lookup): with MERGED 0600 the kernel answers
# EACCES; libunion took the `.` as part of the MERGED prefix and answered
# the name's kind (EINVAL, EISDIR, EEXIST).
AS=nobody
. "$(dirname "$0")/lib.sh"
repro 'mkdir l1/a' '
chmod $M 600
rmdir $M/.
unlink $M/.
unlink $M/./
mkdir $M/.. 755
mkfifo $M/.. 644
symlink x $M/./.
rename $M/./. $M/x
stat $M/.
access $M/./. f
chmod $M 700
rmdir $M/.
mkdir $M/.. 755
stat $M/./a
'
