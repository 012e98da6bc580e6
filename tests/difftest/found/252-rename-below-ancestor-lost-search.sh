#!/bin/bash
# Session 18 (soak18).  A rename by names relative to a cwd (or a dirfd)
# below a directory that lost its x: the kernel walks from the cwd and
# asks nothing above it; libunion copied up both parents (lifting the
# unsearchable one's mode for the copy-up, un_upper_lift) and then
# renamed by the upper's whole paths, through the directory without x
# (EACCES as the user who owns the layers, where the kernel renames).
# User seed absent:7770 at --ops 120 (`chdir a/c/f; chmod a 444;
# rename d $M/loop1`), shrunk; within the cwd and with renameat2's
# exchange too.  As root (who passes every check) and as the user.
. "$(dirname "$0")/lib.sh"
setup='mkdir -p l1/a/c/f l1/b/g; echo d >l1/a/c/f/d; echo x >l1/a/c/f/x; echo y >l1/b/g/y'
ops='
chdir $M/a/c/f
chmod $M/a 444
rename d e
lstat e
rename e ../e2
renameat2 x ../e2 exchange
lstat ../e2
chdir $M/b/g
chmod $M/b 500
rename y z
'
rc=0
repro "$setup" "$ops" || rc=1
AS=nobody repro "$setup" "$ops" || rc=1
exit $rc
