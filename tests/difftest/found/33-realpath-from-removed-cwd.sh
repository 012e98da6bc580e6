#!/bin/bash
# Issue 11 item 2.  realpath of a relative path from a removed cwd: glibc
# starts from getcwd, which fails, so the kernel's answer is ENOENT;
# libunion resolved `..` (and names) from the merged path it kept.
# Found by the differential tester's user run (inplace seed 6).
AS=nobody
. "$(dirname "$0")/lib.sh"
repro 'mkdir l1/empty; mkdir l1/d; echo x >l1/d/f' '
mkdir $M/empty/r1 555
chdir $M/empty/r1
rmdir $M/empty/r1
realpath ..
realpath .
realpath x
realpath $M/d/f
'
