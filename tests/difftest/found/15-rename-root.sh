#!/bin/bash
# MERGED itself as an operand of rename: renameat2(M, M, RENAME_NOREPLACE)
# is EEXIST in the kernel, libunion answers 0.  (Earlier builds also
# answered EBUSY/ENOENT/0 where the kernel says EXDEV for the other calls
# here; kept as regressions.)
. "$(dirname "$0")/lib.sh"
repro 'mkdir -p l1/a; echo 1 >l1/b' '
rename $M/b $M
rename $M $M/a/x
renameat2 $M $M/a exchange
rename $M $M
renameat2 $M $M noreplace
chdir $M/a
rename $M ..
'
