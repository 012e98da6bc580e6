#!/bin/bash
# Issue 11 item 2.  A change (chmod, chown, utimes, an xattr) of a removed
# lower directory, by '.' of a removed cwd, by *at(fd, ".") and by f* on
# a descriptor opened there, after a directory was made at its name
# since: the kernel copies the removed one up and renames the copy over
# the new one (ENOTEMPTY when that is not empty, nothing changed), then
# changes it; '.' and the descriptors stay removed (getcwd, creations:
# ENOENT) and stat as the copy, merged (nlink 1).  libunion answered
# ENOENT.  (Difftest root seeds absent:60, 104.)  As root and as the user
# who owns the lowers: a chown the kernel refuses him (EPERM) copies
# nothing up, the new directory stays (e).
. "$(dirname "$0")/lib.sh"
ops='
open 10 $M/e rdonly,directory 0
rmdir $M/e
mkdir $M/e 700
fchown 10 0 0
fstat 10
open 6 $M/b rdonly,directory 0
open 7 $M/c rdonly,directory 0
open 8 $M/d rdonly,directory 0
chdir $M/a
rmdir $M/a
rmdir $M/b
rmdir $M/c
rmdir $M/d
mkdir $M/a 755
mkdir $M/b 755
mkdir $M/c 755
creat 9 $M/c/f 644
mkdir $M/d 700
mkdir $M/d/sub 755
rmdir $M/d/sub
chmod . 700
stat .
utimensat cwd . 5.0 6.0 0
setxattr . user.x v 0
chown . 0 0
fstatat cwd . 0
getcwd
mkdir x 755
ls .
fchmod 6 750
futimens 6 7.0 8.0
fsetxattr 6 user.y w 0
fstat 6
fchmodat 6 . 711 0
fstat 6
fdls 6
fchmod 7 700
fstat 7
fsetxattr 7 user.z z 0
fremovexattr 8 user.nope
utimensat 8 . 9.0 9.0 0
fstat 8
fchdir 6
getcwd
stat .
'
setup='mkdir -p l1/a l1/b l1/c l1/d l1/e; echo x >l1/keep'
rc=0
repro "$setup" "$ops" || rc=1
AS=nobody repro "$setup" "$ops" || rc=1
exit $rc
