#!/bin/bash
# Issue 11 item 2.  rmdir (and unlink) of '.' or '..' taken in a removed
# directory (the cwd, or *at with a descriptor opened there): the
# kernel's do_rmdir refuses the last component by its kind once its
# parent is found, and finds a removed directory as a live one: EINVAL
# for '.', ENOTEMPTY for '..' (do_unlinkat: EISDIR for both).  libunion
# answered ENOENT for a lower directory removed (its lookup of the
# directory found nothing).  (Difftest root seeds absent:431, 729 (..),
# two:472, absent:874 (.).)
. "$(dirname "$0")/lib.sh"
ops='
open 7 $M/lo rdonly,directory 0
chdir $M/lo
rmdir $M/lo
rmdir .
rmdir ..
rmdir ./.
rmdir ./
unlink .
unlink ..
unlinkat cwd . removedir
unlinkat cwd .. removedir
fchdir 7
unlinkat 7 . removedir
unlinkat 7 .. removedir
unlinkat 7 .. 0
chdir $M/up
rmdir $M/up
rmdir .
rmdir ..
unlink .
'
setup='mkdir -p l1/lo u/up'
rc=0
repro "$setup" "$ops" || rc=1
AS=nobody repro "$setup" "$ops" || rc=1
exit $rc
