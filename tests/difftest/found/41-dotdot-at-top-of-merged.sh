#!/bin/bash
# '..' as the last component at the top of MERGED (by path, from a cwd in
# MERGED, through a descriptor of MERGED): the kernel refuses the change by
# the component's kind (rename EBUSY, EXDEV to a name outside; rmdir
# ENOTEMPTY; mkdir EEXIST).  libunion walked '..' out of the union and
# handed the real directory holding MERGED to the kernel: rename moved it
# (here $R, with the layers in it), mkdir made it where it was absent.
# In both layouts (LAYOUT=two: a second union beside the first).
. "$(dirname "$0")/lib.sh"
ops='
rename $M/b $M/..
mkdir $M/.. 0755
rmdir $M/..
chdir $M
rename .. x
open 0 $M rdonly,directory 0
renameat 0 .. 0 x
unlinkat 0 .. removedir
rename $M/.. $M/../../moved
'
NOGUARD=1 repro 'mkdir -p l1/a; echo 1 >l1/b' "$ops" || exit 1
LAYOUT=two NOGUARD=1 repro 'mkdir -p l1/a l3/c; echo 1 >l1/b' "$ops
rename \$M2/.. \$M/x
rename \$M/a \$M2/..
"
