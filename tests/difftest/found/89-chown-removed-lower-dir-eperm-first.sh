#!/bin/bash
# Seed two:348 as the user.  A chown of a removed lower directory (the
# cwd, or a descriptor opened as "." in it) to another owner: the kernel
# refuses it in setattr_prepare (EPERM) before its copy-up would answer
# ENOTDIR; libunion answered ENOTDIR, by descriptor and by path.
AS=nobody
. "$(dirname "$0")/lib.sh"
repro 'mkdir -p l2/empty' '
chdir $M/empty
rmdir $M/empty
open 1 . rdonly,directory 0
fchown 1 1000 -1
fchown 1 -1 1000
fchown 1 65534 -1
chown . 1000 -1
fchownat cwd . -1 1000 0
chown . 65534 65534
'
