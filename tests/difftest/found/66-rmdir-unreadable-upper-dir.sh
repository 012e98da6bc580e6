#!/bin/bash
# Issue 11 item 6.  rmdir of a directory that lies in the upper alone is
# the upper's own rmdir: an empty one of mode 0000 goes, a full one is
# ENOTEMPTY.  libunion read it for emptiness first and answered EACCES.
AS=nobody
. "$(dirname "$0")/lib.sh"
repro 'mkdir l1/e' '
mkdir $M/e/n2 0
rmdir $M/e/n2
mkdir $M/e/n4 700
mkdir $M/e/n4/x 755
chmod $M/e/n4 0
rmdir $M/e/n4
chmod $M/e/n4 700
'
