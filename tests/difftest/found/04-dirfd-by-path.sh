#!/bin/bash
# Directory descriptors resolve *at calls through the merged path they
# were opened with.  After the directory is exchanged (RENAME_EXCHANGE)
# with another name, fstatat through it answers ENOENT while fdopendir
# lists the right entries; after it is removed and a new directory takes
# its name, openat(O_CREAT) creates the file in the NEW directory.
# Kernel: the descriptor stays on its own directory (ENOENT once it is
# removed).
. "$(dirname "$0")/lib.sh"
repro 'mkdir -p u/d u/x u/e; echo 1 >u/d/f' '
open 6 $M/d rdonly,directory 0
renameat2 $M/d $M/x exchange
fstatat 6 f nofollow
fdls 6
open 7 $M/e rdonly,directory 0
rmdir $M/e
mkdir $M/e 755
openat 4 7 c rdonly,creat 644
ls $M/e
'
