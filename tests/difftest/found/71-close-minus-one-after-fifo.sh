#!/bin/bash
# close(-1) while a lower fifo was open through its stand-in: the fifo
# table took fd + 1 == 0 for the mark of its empty slots, closed the
# descriptor 0 its empty slots hold (the program's own: here the file
# creat gave it), and counted its fifos below zero.  The write through
# that file then answered EBADF where the kernel writes.
. "$(dirname "$0")/lib.sh"
repro 'mkfifo -m 644 l1/pf' '
open 5 $M/pf rdwr 0
close 2
creat 3 $M/n1 644
close 1
write 3 10 1
fstat 3
'
