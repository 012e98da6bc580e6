#!/bin/bash
# A change through a descriptor of a lower file whose name was removed
# since: the kernel makes its checks on the
# object the descriptor holds before it would copy it up (xattr_permission:
# EACCES for user.* on a 0400 file; ovl_xattr_set: ENODATA for removing
# an attribute the lower lacks; chown's EPERM), where libunion looked the
# name up again, found none, skipped the checks and answered the
# copy-up's EEXIST.  User seeds inplace:2750, absent:2832 at --ops 120,
# shrunk.  As root and as the user who owns the layers.
. "$(dirname "$0")/lib.sh"
setup='echo a >l2/d; chmod 400 l2/d; ln l2/d l2/hl; echo b >l1/c; setfattr -n user.has -v 1 l1/c 2>/dev/null || true'
ops='
open 3 $M/hl rdonly 0
unlink $M/hl
fsetxattr 3 user.k1 fv 0
fremovexattr 3 user.k1
fchown 3 0 0
open 4 $M/c rdonly 0
unlink $M/c
fremovexattr 4 user.new
fsetxattr 4 user.k1 fv 0
fchown 4 0 -1
'
rc=0
repro "$setup" "$ops" || rc=1
AS=nobody repro "$setup" "$ops" || rc=1
exit $rc
