#!/bin/bash
# Issue 11 item 2.  link() whose new name is '..' or '.' taken in a
# removed directory (the cwd, or *at with a descriptor opened there):
# the kernel's filename_create finds the last '.' or '..' as in a live
# one: EEXIST (the old name looked up first: ENOENT for a missing one).
# libunion answered ENOENT.  (Difftest root seed absent:60.)
. "$(dirname "$0")/lib.sh"
ops='
mkdir $M/hl 755
creat 5 $M/f 644
open 6 $M/a rdonly,directory 0
chdir $M/a
rmdir $M/a
link $M/f ..
link $M/f .
link $M/f ./..
link $M/nope ..
linkat cwd $M/f 6 .. 0
linkat cwd $M/f 6 . 0
'
setup='mkdir -p l1/a'
rc=0
repro "$setup" "$ops" || rc=1
AS=nobody repro "$setup" "$ops" || rc=1
exit $rc
