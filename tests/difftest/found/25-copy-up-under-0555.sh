#!/bin/bash
# Issue 11 item 3.  Directories of mode 0555 (and 0500) the user owns in a
# lower: the kernel copies up with the mounter's credentials, so chmod of
# the directory, and creation in a writable subdirectory, work; libunion's
# copy-up is refused by the upper copy's own 0555.
AS=nobody
. "$(dirname "$0")/lib.sh"
repro 'mkdir -p l1/t/ro/w l1/t/rx; chmod 755 l1/t/ro/w; chmod 555 l1/t/ro l1/t; chmod 500 l1/t/rx' '
chmod $M/t/ro 755
creat 1 $M/t/ro/w/new 644
chmod $M/t/rx 700
mkdir $M/t/rx/d 755
stat $M/t/ro
'
