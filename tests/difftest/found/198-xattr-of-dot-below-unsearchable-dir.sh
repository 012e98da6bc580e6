#!/bin/bash
# The xattr calls on '.' of an upper cwd (made by mkdir below a lower
# directory, then entered), after the directory two levels above lost
# its owner's x: the kernel reads and changes the cwd's attributes (its
# dentry); libunion called them by the whole upper path: EACCES.  Now
# they take the node's route from the lookup's start (wrap_xattr.c
# XATTR_ROUTED), as the changes of wrap_simple.c do.  User seed
# absent:4891 at --ops 120 (session 15).
. "$(dirname "$0")/lib.sh"
setup='mkdir -p l1/d/c'
ops='
mkdir $M/d/c/r1 700
chdir $M/d/c/r1
chmod ../.. 640
setxattr . user.k2 x 0
getxattr . user.k2
listxattr .
removexattr . user.k2
lgetxattr . user.k2
setxattr ./ user.k3 y 0
chmod ../.. 755
'
AS=nobody repro "$setup" "$ops"
