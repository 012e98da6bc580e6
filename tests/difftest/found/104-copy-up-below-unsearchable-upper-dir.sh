#!/bin/bash
# A creation, or a copy-up, below a directory whose upper copy lost its
# x (chmod of a merged directory: the user owns the upper), reached from
# the cwd below it: the kernel copies the parents up
# with the mounter's credentials; libunion's copy_up_parents looked for
# them in the upper by whole paths (EACCES): now again with the upper's
# way lifted (copy_up_lifted), and the call after it by its route from
# the cwd (un_node_retry_at).  User seeds inplace:1517, absent:1146 at
# --ops 120, shrunk.  As root (who passes every check) and as
# the user who owns the layers.
. "$(dirname "$0")/lib.sh"
setup='mkdir -p l1/a/c l1/b; echo a >l1/b/a; echo x >l1/a/c/old'
ops='
chdir $M
chdir a/c
chmod $M/a 600
open 1 n5 creat,wronly 644
fstat 1
append 1 hello
open 2 old wronly 0
fstat 2
ls .
chdir $M/b
mkdir $M/b/sub 755
chmod $M/b 600
chown a 65534 65534
stat a
mkdir sub/n 755
stat sub/n
'
rc=0
repro "$setup" "$ops" || rc=1
AS=nobody repro "$setup" "$ops" || rc=1
exit $rc
