#!/bin/bash
# fstat of a descriptor on a lower fifo whose name was then deleted: the
# kernel's descriptor keeps the fifo's own attributes; libunion answered
# with its stand-in's (mode 0666, a new mtime).
. "$(dirname "$0")/lib.sh"
repro 'mkdir l1/c; mkfifo -m 644 l1/c/d' '
open 0 $M/c/d rdwr,trunc 777
unlink $M/c/d
fstat 0
'
