#!/bin/bash
# A change through the descriptor of a fifo whose upper copy was then
# unlinked (here a copy-up by fchmod through another descriptor, then
# unlink): the kernel changes the unlinked fifo its overlay inode still
# holds; libunion has no object left to change (ENOENT).  Root run, seed
# 486 inplace.  Not fixed: it needs each fifo descriptor to hold its
# fifo's own object (an O_PATH descriptor beside the stand-in's).
. "$(dirname "$0")/lib.sh"
repro 'mkfifo -m 644 l1/pf' '
open 2 $M/pf rdwr 0
open 3 $M/pf rdonly 0
fchmod 3 600
unlink $M/pf
futimens 2 1200131459.538853208 1200963351.088210395
'
