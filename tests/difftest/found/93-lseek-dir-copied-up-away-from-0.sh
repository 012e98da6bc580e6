#!/bin/bash
# Issue 11 item 2 (found/84's header).  A descriptor on a lower directory
# that one layer holds alone, moved away from offset 0 (lseek SEEK_END:
# ext4's htree end) before a change copied the directory up: overlayfs
# looks again at whether a directory is merged only when its file stands
# at 0 (an lseek or a listing there: ovl_dir_reset), so the file goes on
# answering as the one layer's (SEEK_END answers), until it is back at 0,
# then as merged (EINVAL).  libunion said EINVAL at once.  A descriptor
# left at 0 across the copy-up answers as merged at its first lseek.
# The same for a removed lower directory copied up over one made at its
# name (fd 5: un_copy_up_dead), and with the copy-up through the
# descriptor itself (fd 6, fchmod).
. "$(dirname "$0")/lib.sh"
ops='
open 3 $M/lo rdonly,directory 0
open 4 $M/lo rdonly,directory 0
lseek 3 0 end
chmod $M/lo 750
lseek 3 0 end
lseek 4 0 end
lseek 3 0 cur
lseek 3 0 set
lseek 3 0 end
lseek 3 5 set
lseek 3 0 end
fdls 3
open 5 $M/gone rdonly,directory 0
lseek 5 0 end
rmdir $M/gone
mkdir $M/gone 755
fchmod 5 750
lseek 5 0 end
lseek 5 0 set
lseek 5 0 end
open 6 $M/sub rdonly,directory 0
lseek 6 0 end
fchmod 6 700
lseek 6 0 end
fdls 6
lseek 6 0 end
'
setup='mkdir -p l1/lo/x l1/gone l1/sub; echo y >l1/sub/f'
rc=0
repro "$setup" "$ops" || rc=1
AS=nobody repro "$setup" "$ops" || rc=1
exit $rc
