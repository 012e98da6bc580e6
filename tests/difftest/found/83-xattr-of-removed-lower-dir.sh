#!/bin/bash
# Issue 11 item 2.  Extended attributes of a removed lower directory by
# '.' (the cwd) and through a descriptor opened on it: the kernel's
# dentry keeps the lower object, so getxattr and listxattr read it, and
# a removexattr (or fremovexattr) of a name it lacks is ENODATA, checked
# on the lower before the copy-up that would fail (ENOTDIR: a whiteout
# holds its name); the permission to write it (a 0555 one, as the user)
# comes before that.  Once a directory was made at its name, the change
# copies the removed one over it, and the reads see that copy.
# libunion answered ENOENT to the reads and to removexattr, ENOTDIR to
# fremovexattr.  (Difftest root seeds absent:529, inplace:844 (llistxattr,
# listxattr), inplace:652 (fremovexattr).)
. "$(dirname "$0")/lib.sh"
ops='
chdir $M/lo
open 3 . rdonly,directory 0
rmdir $M/lo
getxattr . user.x
getxattr . user.nope
listxattr .
llistxattr ./.
removexattr . user.nope
fremovexattr 3 user.nope
removexattr . user.x
fremovexattr 3 user.x
setxattr . user.y v 0
mkdir $M/lo 755
getxattr . user.x
listxattr .
removexattr . user.nope
fremovexattr 3 user.nope
removexattr . user.x
getxattr . user.x
listxattr .
chdir $M/ro
open 4 . rdonly,directory 0
rmdir $M/ro
listxattr .
removexattr . user.nope
fremovexattr 4 user.nope
chdir $M/up
rmdir $M/up
getxattr . user.x
listxattr .
removexattr . user.nope
'
setup='mkdir -p l1/lo l1/ro u/up
setfattr -n user.x -v 1 l1/lo
setfattr -n user.x -v 1 l1/ro
setfattr -n user.x -v 1 u/up
chmod 555 l1/ro'
rc=0
repro "$setup" "$ops" || rc=1
AS=nobody repro "$setup" "$ops" || rc=1
exit $rc
