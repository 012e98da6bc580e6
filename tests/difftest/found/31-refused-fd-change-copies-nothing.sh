#!/bin/bash
# Issue 11 item 4 (through a descriptor).  A change the kernel refuses
# through a descriptor (fremovexattr, fsetxattr, fchmod, fchown on an
# O_PATH descriptor: EBADF) copies nothing up: the lower-only directory
# stays unmerged (nlink 2) and the lower file's hard link whole; libunion
# copied the object up before the call failed.  futimens with both times
# omitted answers 0 before it looks at the descriptor, O_PATH or not.
# As the user who owns the layers, fchown to another owner or to a group
# not the user's is EPERM before any copy-up (the kernel's chown_ok).
. "$(dirname "$0")/lib.sh"
rc=0
repro 'mkdir l1/d; echo x >l1/f; ln l1/f l1/g' '
open 2 $M/d path 0
fremovexattr 2 user.k1
fstat 2
open 3 $M/f path 0
fsetxattr 3 user.k1 v 0
fchmod 3 600
fchown 3 -1 -1
futimens 3 5.0 6.0
futimens 3 omit omit
fstat 3
stat $M/g
' || rc=1
AS=nobody repro 'mkdir l1/d; echo x >l1/f; ln l1/f l1/g; echo y >l1/h' '
open 2 $M/d rdonly,directory 0
fchown 2 0 0
fstat 2
open 3 $M/f rdonly 0
fchown 3 0 -1
fchown 3 -1 0
fchown 3 65534 0
fstat 3
stat $M/g
open 4 $M/h rdonly 0
fchown 4 65534 65534
fstat 4
' || rc=1
exit $rc
