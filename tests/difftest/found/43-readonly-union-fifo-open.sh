#!/bin/bash
# Issue 11 item 6.  A lower fifo of a read-only union opens as the
# kernel's does: for writing (ENXIO without a reader, O_NONBLOCK), by
# creat and O_TRUNC, readers and writers meeting in one pipe; its
# descriptor's fstat is the lower fifo's, a change through it EROFS.
# libunion answered EROFS to every open for writing; opening the lower's
# own fifo instead moved its mtime (a change to a lower): the pipe is a
# stand-in outside every layer.
AS=nobody RO=1
. "$(dirname "$0")/lib.sh"
repro 'mkfifo -m 644 l1/pf; mkdir l2/d; mkfifo -m 600 l2/d/q' '
open 1 $M/pf wronly 0
append $M/pf 1 3
open 2 $M/pf rdonly 0
open 1 $M/pf wronly,trunc 0
write 1 10 1
read 2 100
fstat 1
fchmod 1 600
futimens 2 1200131459.538853208 1200963351.088210395
open 3 $M/d/q rdonly 0
creat 4 $M/d/q 644
write 4 7 2
read 3 100
stat $M/pf
'
