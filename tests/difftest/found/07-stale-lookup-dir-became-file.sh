#!/bin/bash
# Within one process, once a path below a directory was looked up, a
# directory that becomes a file (rmdir then creat, or an exchange) keeps
# answering ENOENT for paths below it instead of ENOTDIR.  A fresh process
# answers right.  Kernel: ENOTDIR.
. "$(dirname "$0")/lib.sh"
repro 'mkdir -p u/d/b l1/d; echo x >l1/d/c; mkdir u/e' '
stat $M/d/b/e
renameat2 $M/d/c $M/d/b exchange
stat $M/d/b/e
mkdir $M/e/a 755
stat $M/e/a/n
rmdir $M/e/a
creat 5 $M/e/a 600
stat $M/e/a/n
'
