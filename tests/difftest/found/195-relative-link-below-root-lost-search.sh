#!/bin/bash
# A symlink f -> a/c (dangling) in an upper cwd, after the MERGED root
# lost its owner's x through a descriptor (fchmod 444): the kernel
# reads the link from the cwd's dentry and walks a/c from the cwd,
# ENOENT; libunion read it by its whole path and settled the link's
# directory again from the root: EACCES.  Fixed in session 15 (namei.c
# link_route, walk_link).  User seed absent:4135 at --ops 120.
. "$(dirname "$0")/lib.sh"
setup='mkdir -p u/f && ln -s a/c u/f/f'
ops='
chdir $M/f
open 1 $M rdonly 555
fchmod 1 444
rmdir f/c
stat f/c
readlink f
mkdir f/c 755
'
NOGUARD=1 AS=nobody repro "$setup" "$ops"
