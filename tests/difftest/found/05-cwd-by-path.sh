#!/bin/bash
# The cwd is kept as a merged path string.  Renames are followed now, but
# not RENAME_EXCHANGE: after the cwd directory is exchanged with another
# name, getcwd returns the old name and relative paths resolve from the
# directory now at that name.  After the cwd is removed, getcwd still
# succeeds.  Kernel: the cwd is the directory itself; getcwd gives its new
# path, and ENOENT once it is removed.
. "$(dirname "$0")/lib.sh"
repro 'mkdir -p u/d/f u/d/b; echo 1 >u/d/f/x; mkdir u/e' '
chdir $M/d/f
renameat2 $M/d/b $M/d/f exchange
getcwd
stat x
chdir $M/e
rmdir $M/e
getcwd
'
