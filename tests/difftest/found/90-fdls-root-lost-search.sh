#!/bin/bash
# Session 10 round 2 (branch listlost10; user seed inplace:992).  A
# chmod through a symlink (a/c -> ..) took the MERGED root's search
# permission from its owner; a listing of a directory held open before
# (fdopendir of a dup of the descriptor, then readdir) was EMPTY under
# the library, where the kernel's overlay lists its names: fdopendir's
# lookup of the descriptor's merged path failed with EACCES and was
# taken for a directory removed from the merged view (the kernel's dead
# directory lists nothing).  A directory of the upper alone is listed
# through its descriptor now; a merged one answers the error
# (integration/fdopendir-root-lost-search.sh), never fewer names.
AS=nobody
. "$(dirname "$0")/lib.sh"
repro 'mkdir -p u/a && ln -s .. u/a/c && echo x > u/a/d' '
open 6 $M/a rdonly,directory 0
chmod $M/a/c 0
fdls 6
'
