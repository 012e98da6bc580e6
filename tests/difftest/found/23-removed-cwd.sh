#!/bin/bash
# Issue 11 item 2.  A cwd whose directory was removed: the kernel's getcwd
# answers ENOENT, `..` is its merged parent, names in it are ENOENT;
# libunion names the upper's real directory and walks `..` there.
AS=nobody
. "$(dirname "$0")/lib.sh"
repro 'mkdir l1/a; echo x >l1/a/f' '
mkdir $M/a/r1 755
chdir $M/a/r1
rmdir $M/a/r1
getcwd
stat ..
mkdir n5 755
chdir ..
getcwd
ls .
unlink f
'
