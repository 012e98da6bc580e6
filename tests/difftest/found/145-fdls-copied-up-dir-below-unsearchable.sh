#!/bin/bash
# A listing through a descriptor of a one-lower directory, opened before
# a chmod took the owner's x from a merged directory above it, then
# copied up through the descriptor (fchmod; an openat O_CREAT or an
# unlinkat through it does the same): the kernel lists it merged (the
# upper's copy and the lower's, ovl_dir_reset at offset 0, no lookup);
# libunion moved the descriptor onto the upper's copy (copy_up.c
# repoint_fd: fdtab's layer 0, still recorded as of one layer) and
# listed the upper's copy alone, FEWER names (session 13, before
# fdls13); then readdir.c upper_dir_alone saw the lower's copy and
# answered EACCES.  Found by hand (fdls13), from found/132.  Fixed in
# session 14 (tidy14): fdtab keeps the lower the descriptor stood on
# across the repoint (un_fd_was_lower), and fdopendir's error path lists
# the upper's copy through the descriptor merged with that lower's copy
# by its path (readdir.c upper_dir_was_lower; the lowers' own modes
# never change), as un_dir_open does with fd_layer 0.
. "$(dirname "$0")/lib.sh"
setup='mkdir -p l1/c/c/b/d && touch l1/c/c/b/d/f'
ops='
open 7 $M/c/c/b/d rdonly,directory 0
chmod $M/c 600
fchmod 7 700
fdls 7
'
AS=nobody repro "$setup" "$ops"
