#!/bin/bash
# A descriptor (and the cwd) on an upper directory moved by an exchange
# with a symlink, then its new parent lost its owner's x: the kernel
# looks names up from the descriptor's dentry (fchownat 6 b: ENOENT,
# mkdirat ok); libunion had forgotten the descriptor's layer at the
# rename, so its calls went by the whole upper path: EACCES.  Now
# fdtab.c's fds_move and cwd_move keep the upper's layer (a rename moves
# names within the upper alone).  User seed inplace:4689 at --ops 120
# (session 15), here in the absent layout, with the cwd added.
. "$(dirname "$0")/lib.sh"
setup='mkdir -p u/d/d/b u/d/e/d u/d/e/c'
ops='
symlink c $M/d/d/b/a
open 6 $M/d/e/d rdonly,directory 0
renameat2 $M/d/d/b/a $M/d/e/d exchange
chmod $M/d/d 400
fchownat 6 b 0 0 nofollow
fstatat 6 b nofollow
mkdirat 6 n 755
fstatat 6 n nofollow
chmod $M/d/d 755
chdir $M/d/e/c
rename $M/d/e/c $M/d/d/b/c
chmod $M/d/d 400
stat b
mkdir n2 755
stat n2
chmod $M/d/d 755
'
AS=nobody repro "$setup" "$ops"
