#!/bin/bash
# Issue 11 item 2.  link() whose OLD name is '.' (or '..', './.') that
# stays in a removed directory (the cwd, or a descriptor opened there):
# the kernel's lookup finds the removed directory as a live one, makes
# the new name's checks (EEXIST for an existing one, ENOENT for a
# trailing slash, EXDEV for another union), and vfs_link refuses a
# directory last: EPERM.  libunion answered ENOENT (a lower directory
# removed: the lookup finds nothing in it), or EXDEV (an upper one: the
# real one is deleted too, and the lookup handed it to the kernel as a
# path outside the union).  Nothing may be linked, no tree changed.
# (Difftest root seeds two:720, absent:335, absent:877.)
. "$(dirname "$0")/lib.sh"
ops='
creat 5 $M/f 644
close 5
chdir $M/lo
open 6 . rdonly,directory 0
rmdir $M/lo
link . $M/new
link . $M/f
link ./. $M/new
link . $M/new/
link . ..
link .. $M/new
linkat 6 . cwd $M/new 0
linkat 6 . cwd $M/f 0
linkat 6 . 6 .. 0
chdir $M/up
rmdir $M/up
link . $M/new
link . $M/f
linkat cwd . 6 x 0
chdir $M/mg
rmdir $M/mg
link . $M/new
link . $M/f
'
setup='mkdir -p l1/lo u/up l1/mg u/mg'
rc=0
repro "$setup" "$ops" || rc=1
AS=nobody repro "$setup" "$ops" || rc=1
# Another union's name: EXDEV after the new name's checks.
LAYOUT=two repro "mkdir -p l1/lo" '
chdir $M/lo
rmdir $M/lo
link . $M2/new
link . $M2/x
' || rc=1
exit $rc
