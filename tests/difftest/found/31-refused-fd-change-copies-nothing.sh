#!/bin/bash
# Issue 11 item 4 (through a descriptor).  A change the kernel refuses
# through a descriptor (fremovexattr, fsetxattr, fchmod, fchown on an
# O_PATH descriptor: EBADF) copies nothing up: the lower-only directory
# stays unmerged (nlink 2) and the lower file's hard link whole; libunion
# copies the object up before the call fails.
. "$(dirname "$0")/lib.sh"
repro 'mkdir l1/d; echo x >l1/f; ln l1/f l1/g' '
open 2 $M/d path 0
fremovexattr 2 user.k1
fstat 2
open 3 $M/f path 0
fsetxattr 3 user.k1 v 0
fchmod 3 600
fstat 3
stat $M/g
'
