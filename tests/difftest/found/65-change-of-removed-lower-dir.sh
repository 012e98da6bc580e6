#!/bin/bash
# Issue 11 item 2.  A change that copies up (chmod, chown, utimes,
# setxattr) of a removed lower directory, through a descriptor or its
# `.`: the kernel copies it up to its name in its parent's upper copy,
# where its whiteout stands (ENOTDIR; also over a file made there since),
# and answers EIO when that parent was removed too.  libunion answered
# ENOENT.  (A removed directory that had an upper copy, entered from a
# removed child by `..`, is changed by the kernel: not reproduced here,
# libunion does not know it had one.)
. "$(dirname "$0")/lib.sh"
repro 'mkdir -p l1/a/e l1/a/g l1/b/c/d' '
open 6 $M/a/e rdonly,directory 0
rmdir $M/a/e
fchmod 6 700
fchown 6 0 0
futimens 6 5.0 6.0
fsetxattr 6 user.x v 0
fstat 6
open 7 $M/a/g rdonly,directory 0
rmdir $M/a/g
creat 8 $M/a/g 644
fchmod 7 700
open 9 $M/b/c/d rdonly,directory 0
chdir $M/b/c/d
rmdir $M/b/c/d
rmdir $M/b/c
chmod . 700
fchmod 9 700
utimensat cwd . 5.0 6.0 0
setxattr . user.x v 0
'
