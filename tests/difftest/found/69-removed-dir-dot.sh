#!/bin/bash
# Issue 11 item 2.  A removed directory by its '.' (and its parent's by
# '..'): the kernel stats it (statx too), opens it for reading (fstat of
# that descriptor, an empty listing), answers EISDIR to opening it for
# writing, and lists a removed parent as empty; a directory that was
# merged (copied up before its removal: a child removed first) keeps
# nlink 1 and the upper copy's times.  libunion answered ENOENT to statx
# and open of '.' and to listing '..', and stat read the lower's copy
# (nlink 2-3, its old mtime): the cwd did not follow the copy-up.  (Left:
# stat of '..' that names a removed merged parent answers nlink 0, the
# upper copy's: only the removed directory itself remembers it was merged.)
. "$(dirname "$0")/lib.sh"
repro 'mkdir -p l1/e l1/f/sub/x l1/g' '
chdir $M/e
rmdir $M/e
stat .
statx cwd . 0
open 2 . rdonly,directory 0
fstat 2
fdls 2
append . 1 34
chdir $M/f/sub
rmdir $M/f/sub/x
rmdir $M/f/sub
stat .
statx cwd . 0
open 3 . rdonly,directory 0
fstat 3
chdir $M/g
mkdir $M/g/r 755
chdir $M/g/r
rmdir $M/g/r
rmdir $M/g
ls ..
'
