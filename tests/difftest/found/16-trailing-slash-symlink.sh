#!/bin/bash
# Trailing slashes and symlinks: creat() through a symlink whose target
# ends in `/` and loops (`self -> self/`) answers EISDIR in the kernel
# (O_CREAT with a trailing slash), libunion ELOOP.  (Earlier builds also
# answered ELOOP for `loop1/` and `loop2/` with O_CREAT; kept.)
. "$(dirname "$0")/lib.sh"
repro 'ln -s loop2 l1/loop1; ln -s loop1 l1/loop2; ln -s self/ l1/self' '
open 0 $M/loop1/ wronly,creat 644
creat 1 $M/loop2/ 644
creat 2 $M/self 644
'
