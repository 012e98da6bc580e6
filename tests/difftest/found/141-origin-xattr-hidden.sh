#!/bin/bash
# The copy's origin that libunion records at copy-up (user.libunion.origin,
# internal.h UN_ORIGIN_XATTR; found/140) is no attribute of the merged
# view: the kernel's copies show nothing new after a copy-up, and a
# program's own user.libunion.* attributes are its own (kept escaped in
# the upper, as trusted.overlay.* are), on a lower file and on a copy.
# Not a bug found: the guard of found/140's fix.  As root and as the
# user who owns the layers.
. "$(dirname "$0")/lib.sh"
setup='echo 1 >l1/x; echo 2 >l1/y; echo 3 >l2/z'
ops='
chmod $M/x 600
listxattr $M/x
getxattr $M/x user.libunion.origin
setxattr $M/y user.libunion.origin mine 0
listxattr $M/y
getxattr $M/y user.libunion.origin
setxattr $M/y user.libunion.other o2 0
removexattr $M/y user.libunion.origin
listxattr $M/y
llistxattr $M/z
truncate $M/z 1
llistxattr $M/z
'
rc=0
repro "$setup" "$ops" || rc=1
AS=nobody repro "$setup" "$ops" || rc=1
exit $rc
