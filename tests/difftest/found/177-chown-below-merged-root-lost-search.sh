#!/bin/bash
# A change by an absolute path through the MERGED root after it lost its
# owner's x (chmod 600 of the root itself), from a cwd below it, once
# '..' of the cwd was listed: the kernel's walk from / meets the root
# first and answers EACCES; libunion ENOENT for a name absent below.
# User seed inplace:3574 at --ops 120 (session 14, tidy14's run of seeds
# 3401-4000), here in the absent layout.  NOT FIXED: found/xfail.txt.
. "$(dirname "$0")/lib.sh"
setup='mkdir -p l1/a/c'
ops='
chdir $M/a/c
chmod $M 600
ls ..
chown $M/a/c/n2 65534 65534
chmod $M 755
'
NOGUARD=1 AS=nobody repro "$setup" "$ops"
