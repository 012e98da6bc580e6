#!/bin/bash
# A read-only descriptor of a lower directory is not re-pointed when the
# directory is copied up (here: a file is created in it): fstat through it
# still shows the lower directory (its old mtime; in earlier builds also
# nlink 2, and fchmod/futimens/fsetxattr through it CHANGED THE LOWER).
# Kernel: the descriptor follows the copy (new mtime, nlink 1), and the
# changes land on the upper copy.
. "$(dirname "$0")/lib.sh"
repro 'mkdir l1/d' '
open 6 $M/d rdonly 0
creat 7 $M/d/new 644
fstat 6
fchmod 6 700
futimens 6 1100000000.0 1100000000.0
fsetxattr 6 user.k v 0
fstat 6
stat $M/d
getxattr $M/d user.k
'
