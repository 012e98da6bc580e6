#!/bin/bash
# Issue 11 items 2 and 3.  As the user: a walk from a removed directory
# needs search permission on it, as any walk (openat(fd, "..") and
# renameat(fd, ".") of one whose copy lost x answer EACCES); and rmdir of
# an empty merged directory whose upper copy has mode 0000 goes, as the
# kernel reads it for emptiness with the mounter's credentials.
# libunion walked the removed one without asking and read the mode-0000
# copy as the user (EACCES); reading it lifted (a 0600 or 0000 one that
# is not empty) must leave no searchable mode in the cache (d/f EACCES).
AS=nobody
. "$(dirname "$0")/lib.sh"
repro 'mkdir l1/e l1/h l1/d; echo x >l1/d/f' '
open 3 $M/e rdonly,directory 0
fchmod 3 400
open 4 $M/e rdonly,directory 0
rmdir $M/e
openat 5 4 .. rdonly,directory 0
renameat 4 . 4 n6
chmod $M/h 0
rmdir $M/h
stat $M/h
chmod $M/d 600
rmdir $M/d
stat $M/d/f
chmod $M/d 0
rmdir $M/d
stat $M/d/f
chmod $M/d 700
stat $M/d/f
'
