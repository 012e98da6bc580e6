#!/bin/bash
# renameat2(RENAME_EXCHANGE) puts an upper-only directory where a lower
# directory is, without making it opaque: the lower entries show through.
# (rename() without flags does make it opaque.)  Kernel: opaque.
. "$(dirname "$0")/lib.sh"
repro 'mkdir -p u/x l1/a; echo 1 >l1/a/c; ln -s . u/a' '
renameat2 $M/x $M/a exchange
ls $M/a
mkdir $M/a/c 0
'
