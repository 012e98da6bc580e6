#!/bin/bash
# Issue 11 items 3 and 7.  A change through a fifo's descriptor after a
# chmod took the owner's search permission from a directory above it:
# the kernel changes (and copies up) the fifo its overlay inode holds,
# looking no name up, and fstat shows it; libunion looked the fifo up
# by its name, which the user could no longer walk (EACCES), and fstat
# answered with the stand-in's own attributes.  Below a directory (pf)
# and, a limit of README's for other calls, below the union's root (pr).
AS=nobody
. "$(dirname "$0")/lib.sh"
repro 'mkdir l1/b; mkfifo -m 644 l1/b/pf; mkfifo -m 644 l1/pr' '
open 2 $M/b/pf rdonly 0
open 3 $M/pr rdonly 0
chmod $M/b 600
fstat 2
fchmod 2 700
futimens 2 5.0 6.0
fstat 2
chmod $M/b 755
stat $M/b/pf
stat $M/b
chmod $M 600
fchmod 3 606
fstat 3
chmod $M 755
stat $M/pr
'
