#!/bin/bash
# A symlink `a -> .` in the cwd, all of it in the upper, after the
# directory two levels above lost its owner's x (chmod ../.. 600): the
# kernel reads the link from the cwd's dentry and goes on from there,
# so open, stat and `a/.` answer the cwd; libunion read the link by its
# whole upper path (readlink: EACCES).  Now that readlink takes the
# lookup's route from its start (namei.c link_route), and the target
# goes on from the link's directory (walk_link).  User seed
# inplace:4024 at --ops 120 (session 15), here in the absent layout.
. "$(dirname "$0")/lib.sh"
setup='mkdir -p u/f/c/b && ln -s . u/f/c/b/a'
ops='
chdir $M/f/c/b
chmod ../.. 600
open 4 a rdonly 0
stat a
readlink a
open 5 a/. rdonly 0
stat ./.
'
AS=nobody repro "$setup" "$ops"
