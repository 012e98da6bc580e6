#!/bin/bash
# Seeds absent:473, 662 as the user.  O_TRUNC asks for write permission
# even with O_RDONLY (the kernel adds MAY_WRITE before may_open, which
# drops only the truncation itself for a fifo): a fifo without the
# owner's w bit, copied up by fchmod or still in a lower, refuses
# O_RDONLY|O_TRUNC with EACCES; libunion opened it.
AS=nobody
. "$(dirname "$0")/lib.sh"
repro 'mkfifo l2/pf l2/ro; chmod 644 l2/pf; chmod 444 l2/ro' '
open 4 $M/pf rdwr 0
fchmod 4 555
open 1 $M/pf rdonly,creat,trunc,append 644
open 5 $M/pf rdonly,trunc 0
open 6 $M/ro rdonly,trunc 0
open 7 $M/ro rdonly 0
'
