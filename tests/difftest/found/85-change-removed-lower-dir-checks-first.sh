#!/bin/bash
# Issue 11 item 2.  A change by path of a removed lower directory ('.'
# of the cwd) whose copy-up must fail (ENOTDIR: a whiteout holds its
# name; EIO: its parent was removed too): the kernel makes the checks it
# makes before a copy-up first, on the lower object its dentry keeps:
# truncate of a directory is EISDIR, chown to an owner or group not the
# user's EPERM (as the user).  libunion answered the copy-up's ENOTDIR
# or EIO.  (Found beside the xattr seeds of found/83.)
. "$(dirname "$0")/lib.sh"
setup='mkdir -p l1/lo l1/lo3/sub'
ops='
chdir $M/lo
open 3 . rdonly,directory 0
rmdir $M/lo
truncate . 0
chown . 0 0
chown . 65534 0
chmod . 700
utimensat cwd . 5 6 0
fchown 3 0 0
fchmod 3 700
ftruncate 3 0
setxattr . user.y v 0
setxattr . trusted.y v 0
mkdir $M/lo 755
truncate . 0
chown . 0 0
ftruncate 3 0
chdir $M/lo3/sub
rmdir $M/lo3/sub
rmdir $M/lo3
truncate . 0
chmod . 700
removexattr . user.nope
chown . 0 0
utimensat cwd . 5 6 0
'
rc=0
repro "$setup" "$ops" || rc=1
AS=nobody repro "$setup" "$ops" || rc=1
exit $rc
