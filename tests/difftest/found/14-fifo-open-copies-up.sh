#!/bin/bash
# Opening a FIFO of a lower, even read-only, copies it up with its parent
# directories: st_ino changes between lstat and fstat of the descriptor,
# the parent becomes a merged directory (nlink 2 -> 1); a write then sets
# the FIFO's mtime.  Kernel: no copy-up of a FIFO on open, times kept.
. "$(dirname "$0")/lib.sh"
repro 'mkdir l1/d; mkfifo l1/d/p' '
inocheck $M/d/p
lstat $M/d
open 2 $M/d/p rdwr 0
write 2 10 1
fstat 2
'
