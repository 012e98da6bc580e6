#!/bin/bash
# lseek(fd, 0, SEEK_END) on a directory: libunion's descriptor is the real
# ext4 directory, which answers its htree end (LLONG_MAX).  Kernel
# (overlayfs directories): EINVAL.
. "$(dirname "$0")/lib.sh"
repro 'mkdir -p l1/d l2/d u/e' '
open 3 $M/d rdonly 0
lseek 3 0 end
open 4 $M/e rdonly 0
lseek 4 0 end
'
