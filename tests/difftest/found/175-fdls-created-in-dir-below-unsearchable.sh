#!/bin/bash
# found/145's other ways (its note named them): a descriptor of a
# one-lower directory, opened before a chmod took the owner's x from a
# merged directory above it, through which a name is made (openat
# O_CREAT: the directory copied up) and a lower name removed (unlinkat:
# a whiteout record), then listed through the descriptor: the kernel
# lists it merged, the new name and the lower's others, not the removed
# one.  The second descriptor, of a sibling copied up by a name made in
# it by its path before the chmod, lists merged too (its lookup then was
# of one lower).  Session 14 (tidy14), with found/145's fix.
. "$(dirname "$0")/lib.sh"
setup='mkdir -p l1/c/c/b/d l1/c/c/b/e && touch l1/c/c/b/d/f l1/c/c/b/d/g l1/c/c/b/e/h'
ops='
open 7 $M/c/c/b/d rdonly,directory 0
open 6 $M/c/c/b/e rdonly,directory 0
creat 5 $M/c/c/b/e/new2 0644
chmod $M/c 600
openat 8 7 new creat,wronly 0644
unlinkat 7 g 0
fdls 7
fdls 6
'
AS=nobody repro "$setup" "$ops"
