#!/bin/bash
# Issue 11 item 7.  A lower fifo held open (read-write and read-only) and
# then copied up by chmod: the kernel keeps one fifo, so what is written
# through the first descriptor is read through the second, and the writes
# leave the fifo's mtime; libunion's descriptors end on two fifos.
AS=nobody
. "$(dirname "$0")/lib.sh"
repro 'mkfifo l1/pf' '
open 1 $M/pf rdwr 0
open 2 $M/pf rdonly 0
write 1 10 1
chmod $M/pf 600
write 1 7 2
read 2 100
fstat 1
append $M/pf 1 3
'
