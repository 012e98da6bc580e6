#!/bin/bash
# Issue 11 item 2.  readlink of '.' or '..' in a removed directory: the
# kernel finds the removed directory as a live one, and a directory is
# no symlink: EINVAL (libunion: ENOENT).  And a change of '..' from a
# removed upper directory whose parent was removed too (the parent had
# an upper copy: a child was made in it): the kernel's dentry holds that
# copy, deleted, and changes it (chmod ok, stat shows the mode);
# libunion answered ENOENT, handing only '.' of a deleted real directory
# to the kernel.  A lower directory's real parent is never changed.
# (Difftest root seeds inplace:1216, absent:1296, at --ops 120.)
. "$(dirname "$0")/lib.sh"
ops='
open 7 $M/empty rdonly,directory 0
rmdir $M/empty
fchdir 7
readlink .
readlinkat 7 .
readlink ./.
readlink ..
chmod .. 700
mkdir $M/e2/r2 700
chdir $M/e2/r2
rmdir $M/e2/r2
unlinkat cwd $M/e2 removedir
readlink .
readlink ..
chmod .. 640
stat ..
chmod . 600
chmod ../. 650
stat ..
'
setup='mkdir -p l1/empty l1/e2'
rc=0
repro "$setup" "$ops" || rc=1
AS=nobody repro "$setup" "$ops" || rc=1
exit $rc
