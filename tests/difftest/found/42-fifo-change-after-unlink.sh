#!/bin/bash
# A change through the descriptor of a lower fifo after its name was
# unlinked: the kernel copies the fifo up all the same, to the name it
# had (its copy-up of a fifo renames over the whiteout), so the name
# shows the changed fifo again; libunion answered ENOENT (found/21's
# loose end; root run, seed 486 inplace).  A user.* xattr on a fifo is
# refused (EPERM) before anything is copied up.
. "$(dirname "$0")/lib.sh"
repro 'mkdir l1/c; mkfifo -m 644 l1/c/d; mkfifo -m 644 l1/e' '
open 2 $M/c/d rdwr 0
unlink $M/c/d
futimens 2 1200131459.538853208 1200963351.088210395
fchmod 2 600
fstat 2
stat $M/c/d
open 3 $M/e rdonly 0
unlink $M/e
fsetxattr 3 user.k1 v1
stat $M/e
'
