#!/bin/bash
# Issue 11 item 2.  lseek(SEEK_END) of a descriptor on a removed lower
# directory that a change copied up over a directory made at its name:
# the kernel's dentry is then a merged directory, whose listing keeps its
# own position (SEEK_SET and SEEK_CUR only): EINVAL.  libunion asked the
# real directory (the upper copy), which answered its end (INT64_MAX
# from ext4's htree); a removed directory's descriptor was never taken
# for merged.  (Difftest root seed inplace:651.)  Not here: the kernel
# looks at whether the directory turned merged only at position 0 (an
# lseek or a listing there, ovl_dir_reset); a descriptor moved away from
# 0 before the copy-up (an lseek(SEEK_END) of the one-layer directory)
# goes on answering as the one layer's, where libunion says EINVAL.
. "$(dirname "$0")/lib.sh"
ops='
chdir $M/lo
open 3 . rdonly,directory 0
unlinkat cwd $M/lo removedir
mkdir $M/lo 755
open 4 . rdonly,directory 0
fchmod 4 750
lseek 4 0 end
lseek 3 0 end
lseek 4 0 set
fdls 4
'
rc=0
repro 'mkdir -p l1/lo' "$ops" || rc=1
AS=nobody repro 'mkdir -p l1/lo' "$ops" || rc=1
exit $rc
