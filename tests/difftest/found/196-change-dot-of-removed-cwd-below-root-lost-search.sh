#!/bin/bash
# Changes of '.' in a removed cwd, copied up over the directory made at
# its name since (chmod .), after the MERGED root lost its owner's x:
# the kernel answers on the cwd's dentry (truncate EISDIR, chown EPERM,
# chmod ok); libunion, its lstat of the upper copy by the whole path
# refused, took the copy for absent: ENOTDIR to each.  Now the real cwd
# is that copy, by its /proc link (namei.c dead_upper_by_start), and the
# change goes through '.'.  User seed inplace:4595 at --ops 120
# (session 15), here in the absent layout.
. "$(dirname "$0")/lib.sh"
setup='mkdir -p l2/empty'
ops='
chdir $M/empty
unlinkat cwd $M/empty removedir
mkdir $M/empty 755
chmod . 555
chmod $M 600
truncate . 7
truncate ./ 7
chown . 0 0
chmod . 750
stat .
chmod $M 755
'
NOGUARD=1 AS=nobody repro "$setup" "$ops"
