#!/bin/bash
# rename/renameat2/link/linkat check their errors in another order than
# the kernel:
#  - RENAME_EXCHANGE of a directory with its parent: EINVAL (libunion
#    EXDEV);
#  - RENAME_NOREPLACE onto `DIR/.`: EEXIST (libunion EBUSY);
#  - a target whose directory is a symlink out of MERGED to a missing
#    directory: ENOENT (libunion EXDEV, for rename and link);
#  - linkat with a missing old name and a bad new dirfd: ENOENT (the old
#    path is looked up first; libunion EBADF).
# (Earlier builds also: `..` as the last component, EBUSY; a directory
# into a missing subdirectory of itself, ENOENT: kept as regressions.)
. "$(dirname "$0")/lib.sh"
repro 'mkdir -p l1/q/r l1/e u/c l1/empty; echo 1 >l1/f; echo 2 >l1/b; ln -s ../nowhere l1/out' '
renameat2 $M/q/r $M/q exchange
renameat2 $M/b $M/empty/. noreplace
rename $M/f $M/out/x
link $M/f $M/out/x
chdir $M/e
rename .. $M/z
rename $M/c $M/c/d/e
linkat cwd missing 9 c 0
'
