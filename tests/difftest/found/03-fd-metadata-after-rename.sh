#!/bin/bash
# fchmod/fchown/futimens/fsetxattr through a descriptor go by the merged
# path the descriptor was opened with.  After RENAME_EXCHANGE of the open
# directory with a dangling symlink, futimens fails with EIO (earlier
# builds: ENOENT after a plain rename of the file or of a directory above
# it, kept as a regression).  Kernel: they act on the open file.
. "$(dirname "$0")/lib.sh"
repro 'mkdir -p u/a u/b; echo 1 >u/a/f; ln -s b/c/c u/s' '
open 5 $M/a/f rdonly 0
rename $M/a $M/a2
fchmod 5 600
fchown 5 1000 1000
futimens 5 1100000000.0 1100000000.0
fsetxattr 5 user.k v 0
stat $M/a2/f
open 3 $M/b rdonly 0
renameat2 $M/b $M/s exchange
futimens 3 1100000000.0 1100000000.0
fstat 3
'
