#!/bin/bash
# fstat of a descriptor on a directory removed from the merged view: the
# kernel's merged directory (several layers) keeps nlink 1; an upper-only
# one shows 0, a lower-only one its lower's count.
. "$(dirname "$0")/lib.sh"
repro 'mkdir -p l1/a/e u/a/f l1/a/g u/a/g l1/a/h l2/a/h' '
open 2 $M/a/e rdonly 0
rmdir $M/a/e
fstat 2
open 3 $M/a/f rdonly 0
rmdir $M/a/f
fstat 3
open 4 $M/a/g rdonly 0
rmdir $M/a/g
fstat 4
open 5 $M/a/h rdonly 0
rmdir $M/a/h
fstat 5
'
