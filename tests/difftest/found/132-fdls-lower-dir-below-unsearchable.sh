#!/bin/bash
# A listing through a descriptor of a directory of one lower, opened
# before a chmod took the owner's x from a merged directory above it:
# the kernel lists the lower directory through the file it holds
# (ovl_iterate of a real directory, no lookup); libunion looks the name
# up again to learn its layers, is refused, and answers EACCES (never a
# short listing: it cannot see whether the upper, below the refused
# directory, got a copy since, nor the table's word on that path without
# the lookup).  User seed inplace:2610 at --ops 120, shrunk.  As the
# user who owns the layers (root passes every check).  Fixed (session
# 13, fdls13): readdir.c fdopendir's error path, for a descriptor fdtab
# recorded as one lower's, checks the upper's copy absent with the way
# lifted (copy_up.c un_upper_lift) and no record of the table on its
# way (lower_dir_alone), then lists it through the descriptor.
. "$(dirname "$0")/lib.sh"
setup='mkdir -p l1/c/c/b/d'
ops='
open 7 $M/c/c/b/d rdonly,directory 0
chmod $M/c 600
fdls 7
'
AS=nobody repro "$setup" "$ops"
