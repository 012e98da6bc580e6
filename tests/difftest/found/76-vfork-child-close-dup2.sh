#!/bin/bash
# Issue 11 item 2.  A vfork child shares the library's descriptor table
# with its parent but has descriptors of its own: its close and dup2
# (Python's subprocess dups the child's stdio there) must not rewrite
# the parent's entries.  Slot 7 is on a removed lower directory (dead:
# the kernel answers ENOENT for names in it); a vfork child's close of
# it made libunion forget the entry and discover the number again as
# the new directory of the same name; its dup2 of slot 6 onto slot 8
# (another removed one) did the same to slot 8.
. "$(dirname "$0")/lib.sh"
ops='
open 6 $M/a rdonly,directory 0
open 7 $M/b rdonly,directory 0
open 8 $M/d rdonly,directory 0
rmdir $M/b
mkdir $M/b 755
mkdir $M/b/x 755
rmdir $M/d
mkdir $M/d 755
mkdir $M/d/x 755
vfork-close 7
fstatat 7 x 0
fstatat 7 . 0
vfork-dup2 6 8
fstatat 8 x 0
fstatat 8 . 0
fdls 8
'
setup='mkdir -p l1/a/onlya l1/b l1/d'
rc=0
repro "$setup" "$ops" || rc=1
AS=nobody repro "$setup" "$ops" || rc=1
exit $rc
