#!/bin/bash
# Issue 13 (session 10, branch dir10, before its merge).  A merged
# listing tells the directory cache its subdirectories' layers
# (readdir.c put_subdirs); the cache's answer for a name of the lower
# alone stats it there, without the topmost copy's search permission.
# After fchmod 644 of a merged directory (its upper copy, through a
# descriptor), the kernel answers EACCES for every name below it; the
# listing made after the fchmod had told the cache its lower-only
# subdirectory, and ls's stat of it succeeded.
AS=nobody
. "$(dirname "$0")/lib.sh"
repro 'mkdir -p u/e l1/e/b l1/e/c' '
open 2 $M/e rdonly,directory 0
fchmod 2 644
ls $M/e
stat $M/e/b
ls $M/e
'
