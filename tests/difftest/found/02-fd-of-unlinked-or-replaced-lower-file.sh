#!/bin/bash
# fchmod/futimens through a read-only descriptor of a lower file whose
# merged name is gone: after unlink(), libunion changes the LOWER file;
# after another file was renamed over the name, it changes THAT file (the
# one now at the name, not the open one).  Kernel: EEXIST (the copy-up
# cannot take the name), nothing changes.
. "$(dirname "$0")/lib.sh"
repro 'echo 1 >l1/x; echo 22 >l1/y; echo 3 >l1/z' '
open 5 $M/x rdonly 0
rename $M/y $M/x
fchmod 5 600
futimens 5 1100000000.0 1100000000.0
open 6 $M/z rdonly 0
unlink $M/z
fchmod 6 600
'
