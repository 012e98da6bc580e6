#!/bin/bash
# Issue 11 item 4, through a descriptor opened for reading (difftest
# inplace:106 138 270, two:120 157 236, absent:147 212; at root too).
# fsetxattr and fremovexattr of a lower object make the kernel's checks
# before anything is copied up, as setxattr and removexattr by path do:
# removing an attribute the object lacks is ENODATA, and as the user who
# owns the layers a user.* attribute of a 0444 file or a 0555 directory
# is EACCES (xattr_permission), with the lower directory left unmerged
# (nlink 2, its parents too) and the hard link whole; libunion copied
# the object up before the call failed.
. "$(dirname "$0")/lib.sh"
rc=0
repro 'mkdir -p l1/d l1/c/b/a; echo x >l1/f; ln l1/f l1/g' '
open 1 $M/d rdonly 0
fremovexattr 1 user.new
fstat 1
open 2 $M/f rdonly 0
fremovexattr 2 user.new
fstat 2
stat $M/g
open 3 $M/c/b/a rdonly 0
fremovexattr 3 user.k2
fsetxattr 3 user.k1 v 8
fsetxattr 3 "" v 0
fstat 3
' || rc=1
AS=nobody repro 'mkdir -p l1/d l1/c/b/a; echo x >l1/f; ln l1/f l1/g
chmod 444 l1/f; chmod 555 l1/d l1/c/b/a' '
open 1 $M/d rdonly 0
fsetxattr 1 user.k1 v 0
fstat 1
open 2 $M/f rdonly 0
fsetxattr 2 user.k1 v 0
fremovexattr 2 user.k1
fsetxattr 2 trusted.k1 v 0
fstat 2
stat $M/g
open 3 $M/c/b/a rdonly 0
fsetxattr 3 user.k1 v 0
fremovexattr 3 user.k2
' || rc=1
exit $rc
