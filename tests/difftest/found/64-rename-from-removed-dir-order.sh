#!/bin/bash
# Issue 11 items 2 and 6.  rename with a name taken in a removed
# directory (the cwd, a descriptor): the kernel finds both parents first
# (a bad descriptor: EBADF; another mount: EXDEV), then looks the names
# up: the one in the removed directory is absent (ENOENT), after the
# other's own checks.  libunion answered ENOENT at once; and took the
# parent of MERGED for the union's own (EBUSY for EXDEV).
. "$(dirname "$0")/lib.sh"
repro 'mkdir -p l1/a/d; echo x >l1/a/f' '
mkdir $M/a/r1 755
open 6 $M/a/r1 rdonly,directory 0
chdir $M/a/r1
rmdir $M/a/r1
renameat cwd n1 7 d
renameat 6 c 7 n1
renameat 7 c 6 n1
renameat2 .. $M exchange
renameat2 $M .. exchange
rename n1 $M/a/x
rename $M/a/f n1
rename $M/a/f/ n1
renameat2 $M/a/f n1 exchange
renameat cwd $M/a 6 x
renameat cwd $M/a/d 6 x
renameat 6 . 6 x
'
# As the user, the other name's permission comes before the ENOENT too.
AS=nobody repro 'mkdir -p l1/a l1/b; echo x >l1/b/f; chmod 500 l1/b' '
mkdir $M/a/r1 755
chdir $M/a/r1
rmdir $M/a/r1
rename $M/b/f n1
renameat cwd n1 7 d
' || exit 1
