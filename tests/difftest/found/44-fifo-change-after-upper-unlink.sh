#!/bin/bash
# Issue 11 item 7.  A change through the descriptor of a fifo whose upper
# copy was then unlinked (here a copy-up by fchmod through another
# descriptor, then unlink): the kernel changes the unlinked fifo its
# overlay inode still holds, and fstat shows it (link count 0); libunion
# had no object left to change (ENOENT; root seed 486 inplace).  Fixed
# by an O_PATH descriptor of the fifo itself beside each stand-in
# descriptor (fifo.c), re-pointed at the copy-up.  The fifo made again at
# the name afterwards is another one; as root and as the user.
. "$(dirname "$0")/lib.sh"
ops='
open 2 $M/pf rdwr 0
open 3 $M/pf rdonly 0
fchmod 3 600
unlink $M/pf
futimens 2 1200131459.538853208 1200963351.088210395
fstat 2
fchmod 3 640
fchown 2 -1 -1
fsetxattr 2 user.k1 v 0
fstat 3
stat $M/pf
mkfifo $M/pf 604
fstat 2
stat $M/pf
open 4 $M/pg rdonly,nonblock 0
chmod $M/pg 606
unlink $M/pg
futimens 4 7.0 8.0
fchmod 4 660
fstat 4
close 3
close 2
'
rc=0
repro 'mkfifo -m 644 l1/pf; mkfifo -m 644 l1/pg' "$ops" || rc=1
AS=nobody repro 'mkfifo -m 644 l1/pf; mkfifo -m 644 l1/pg' "$ops" || rc=1
exit $rc
