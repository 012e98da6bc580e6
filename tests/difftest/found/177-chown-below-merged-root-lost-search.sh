#!/bin/bash
# A change by an absolute path through the MERGED root after it lost its
# owner's x (chmod 600 of the root itself), from a cwd below it, once
# '..' of the cwd was listed: the kernel's walk from / meets the root
# first and answers EACCES; libunion ENOENT for a name absent below.
# User seed inplace:3574 at --ops 120 (session 14, tidy14's run of seeds
# 3401-4000), here in the absent layout.  The listing's fstatat of each
# entry, from the descriptor of `..` (settled past the root's refusal),
# had put $M/a/c in the directory cache, whose answer the absolute walk
# then took without asking the root's x.  Fixed in session 15 (namei.c
# lk_noput: nothing a lookup settled past a refusal finds is put).
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
