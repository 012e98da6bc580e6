#!/bin/bash
# A change through a read-only descriptor of a lower file x after another
# lower file y of the same size and mtime was renamed over x's name: the
# upper file at x is y's copy, never x's, and the kernel answers EEXIST
# (the copy-up of x cannot take the name), nothing changed.  libunion
# took y's copy for x's by its size and mtime (wrap_fd.c fd_is_of's
# guess) and changed it through the descriptor: a write reaching another
# file.  Found by diff13 (docs/STATUS.md); found/02 has files of other
# sizes.  As root and as the user who owns the layers.
. "$(dirname "$0")/lib.sh"
setup='echo 1 >l1/x; echo 2 >l1/y; echo 3 >l1/z; echo 4 >l2/w'
ops='
open 5 $M/x rdonly 0
rename $M/y $M/x
fchmod 5 600
futimens 5 1100000000.0 1100000000.0
fsetxattr 5 user.k1 fv 0
fchown 5 0 0
fstat 5
stat $M/x
getxattr $M/x user.k1
open 6 $M/z rdonly 0
open 7 $M/w rdonly 0
rename $M/w $M/z
fchmod 6 640
fchmod 7 604
stat $M/z
'
rc=0
repro "$setup" "$ops" || rc=1
AS=nobody repro "$setup" "$ops" || rc=1
exit $rc
