#!/bin/bash
# Issue 11 item 6.  A directory that moves to another parent needs write
# permission on itself (its `..` changes: vfs_rename), before overlayfs's
# EXDEV for a directory with lower contents: a 0500 lower directory moved
# to another directory is EACCES as the user; renamed in its own
# directory, or moved by root, EXDEV.  libunion answered EXDEV.
AS=nobody
. "$(dirname "$0")/lib.sh"
repro 'mkdir -p l1/b/b/s l1/e; chmod 500 l1/b/b' '
rename $M/b/b $M/e/
rename $M/b/b $M/e/x
rename $M/b/b $M/b/c
mkdir $M/e/x 755
renameat2 $M/e/x $M/b/b exchange
renameat2 $M/b/b $M/e/x exchange
renameat2 $M/b/b $M/e/y noreplace
'
