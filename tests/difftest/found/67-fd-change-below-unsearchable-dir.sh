#!/bin/bash
# Issue 11 item 3, through a descriptor.  A change through a descriptor of
# a lower object (fsetxattr, fchmod, fchown, futimens) after a chmod took
# the owner's search permission from a directory above it: the kernel
# copies up through the object it holds, with the mounter's credentials,
# looking no name up.  libunion found the object again by its name, which
# the user could no longer walk in the upper (EACCES; user seed 149
# absent).  Here one directory and, deeper, two directories lost their x;
# after the changes each keeps its own mode (stat as root at the end).
AS=nobody
. "$(dirname "$0")/lib.sh"
repro 'mkdir -p l1/b l1/a/c/d; echo x >l1/b/b; echo y >l1/a/c/d/f; chmod 555 l1/b/b' '
open 4 $M/b/b rdonly 0
open 5 $M/a/c/d/f rdonly 0
chmod $M/b 600
fsetxattr 4 user.k2 fv 0
fchmod 4 444
futimens 4 5.0 6.0
fstat 4
chmod $M/a/c 600
chmod $M/a 700
chmod $M/a 600
fchown 5 -1 -1
fchmod 5 640
fstat 5
stat $M/a
chmod $M/a 755
stat $M/a/c
chmod $M/a/c 755
stat $M/a/c/d/f
chmod $M/b 755
getxattr $M/b/b user.k2
stat $M/b/b
'
