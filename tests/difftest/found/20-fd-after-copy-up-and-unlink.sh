#!/bin/bash
# A descriptor of a lower file re-pointed at its upper copy (a rename
# copied it up), then the name unlinked: fchown through it works on the
# open file in the kernel; libunion looked the (gone) name up: EEXIST.
. "$(dirname "$0")/lib.sh"
repro 'echo x >l1/d' '
open 4 $M/d rdonly 0
rename $M/d $M/e
unlink $M/e
fchown 4 -1 1000
fstat 4
'
