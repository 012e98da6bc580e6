#!/bin/bash
# The trusted.overlay.opaque xattr of an opaque directory of a lower is
# listed by listxattr/llistxattr and readable by getxattr, and a copy-up
# copies it into the upper.  Kernel overlayfs hides trusted.overlay.*.
. "$(dirname "$0")/lib.sh"
repro 'mkdir -p l1/o l2/o; echo 1 >l2/o/hidden; setfattr -n trusted.overlay.opaque -v y l1/o' '
listxattr $M/o
llistxattr $M/o
getxattr $M/o trusted.overlay.opaque
chmod $M/o 700
'
