#!/bin/bash
# Issue 11 item 5.  realpath of a relative path from a cwd that lost its
# search permission: glibc's realpath starts from getcwd's absolute path
# and strips `..` by name, so the cwd's own x is never asked (the kernel
# side answers); libunion looks the path up from the cwd (EACCES).
# Looking up the cwd's merged path joined with it is not enough: the
# lookup of DIR/.. asks DIR's x, as the kernel's walk does; glibc's
# realpath pops `..` by name after resolving what came before (symlinks
# included), and un_realpath walks the same way (wrap_name.c's
# realpath_from).  (Difftest user seed absent:1817 at --ops 120.)  As
# the user who owns the layers (root passes every permission check).
. "$(dirname "$0")/lib.sh"
ops='
mkdir $M/empty/r2 555
chdir $M/empty/r2
chdir ..
chmod $M/empty 600
realpath ..
realpath ../empty
realpath .
realpath r2
chdir $M/d
chmod $M/d 0
realpath ../d
realpath ..
'
rc=0
AS=nobody repro 'mkdir -p l1/empty l1/d u/d' "$ops" || rc=1
exit $rc
