#!/bin/bash
# renameat/linkat with an invalid directory descriptor (-1, closed) for a
# relative path, the other path on AT_FDCWD: libunion answers EXDEV or
# ENOENT.  Kernel: EBADF.
. "$(dirname "$0")/lib.sh"
repro 'mkdir -p l1/a; echo 1 >l1/a/f' '
chdir $M/a
renameat 9 f cwd g
renameat cwd f 9 g
linkat 9 f cwd g 0
linkat cwd f 9 g 0
'
