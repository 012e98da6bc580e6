#!/bin/bash
# A change through a descriptor of a lower 0400 file after the MERGED
# root lost its owner's x: the library lifts the upper's way to look the
# name up again (un_upper_lift), the kernel's checks refuse the change
# (EACCES); its lookup, made under the lift, had left the memo of the
# lower file, and an open by the whole path through the root then took
# it: ok where the kernel answers EACCES.  Now nothing a lookup finds
# under a lift (or after a route, or past a refusal) goes into the
# caches, the memo of the last file included (namei.c lk_may_put).
# User seed inplace:4966 at --ops 120 (session 15), here in the absent
# layout.
. "$(dirname "$0")/lib.sh"
setup='echo x >l2/a; chmod 400 l2/a'
ops='
open 1 $M/a rdonly 0
chmod $M 600
fsetxattr 1 user.new fv 0
open 0 $M/a rdonly,append 755
stat $M/a
chmod $M 755
'
NOGUARD=1 AS=nobody repro "$setup" "$ops"
