#!/bin/bash
# As the user (the kernel mounts with userxattr, its opaque marks in
# user.overlay.*), the user.overlay.opaque xattr of an opaque directory
# of a lower is listed by listxattr and read by getxattr under libunion,
# and copied by cp -a into a new directory; the kernel hides
# user.overlay.* as it hides trusted.overlay.* (found by
# tests/stress/progs.py --as-user, seeds 9, 15, 19, 22, 25: the merged
# tree's xattrs).
. "$(dirname "$0")/lib.sh"
AS=nobody
repro 'mkdir -p l1/o l2/o; echo 1 >l2/o/hidden; setfattr -n user.overlay.opaque -v y l1/o' '
listxattr $M/o
llistxattr $M/o
getxattr $M/o user.overlay.opaque
chmod $M/o 700
listxattr $M/o
'
