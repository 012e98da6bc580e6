#!/bin/bash
# Issue 11 item 5 (difftest inplace:193 271, absent:243).  A relative
# lookup from the cwd asks search permission of the cwd and of what it
# walks, never of the cwd's ancestors: after a chmod 600 (or 0) of a
# directory above it, `.`, names below the cwd and `..` still work as
# in the kernel (the kernel's cwd holds its layers).  libunion settled
# the cwd by walking from the union's root with whole real paths, and
# stat'ed the cwd itself by its whole path: EACCES for all of them.
. "$(dirname "$0")/lib.sh"
AS=nobody repro 'mkdir -p l1/empty l1/c/e l1/b/b; echo x > l1/b/b/f' '
mkdir $M/empty/r1 555
chdir $M/empty/r1
chmod .. 600
readall .
stat .
realpath .
chdir $M/c/e
chmod .. 0
open 2 .. rdwr 444
realpath .
stat .
chmod $M/c 755
chdir $M/b/b
chmod .. 600
realpath .
stat f
readall f
open 3 . rdonly,directory 0
fstat 3
'
