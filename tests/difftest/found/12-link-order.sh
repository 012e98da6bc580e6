#!/bin/bash
# link() resolves the new path before the old one: with a missing old path
# it answers ENOTDIR, ELOOP or EXDEV from the new path.  Kernel: ENOENT
# (the old path first).
. "$(dirname "$0")/lib.sh"
LAYOUT=two
repro 'echo 1 >u/f; ln -s loop l1/loop' '
link $M/missing $M/f/x
link $M/missing $M/loop/x
link $M/missing $M2/x
'
