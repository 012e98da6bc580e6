#!/bin/bash
# A symlink in the cwd, entered by fchdir through a descriptor of a
# lower directory opened before a chmod took the owner's x from the
# merged directory above it, followed by a relative call (fchmodat):
# its target is resolved from the link's directory, the cwd, and the
# kernel answers ENOENT for a dangling one (nothing above the cwd is
# searched); libunion EACCES (the link's target walked by the merged
# path, through the directory that lost its x).  Plain names the cwd
# lacks answer ENOENT alike.  User seed two:3948 at --ops 120 (session
# 14, tidy14's run of seeds 3401-4000).  Fixed in session 15 (namei.c
# walk_link: a relative target goes on from the link's directory, the
# walk's layers and start kept, no settle from the root).
. "$(dirname "$0")/lib.sh"
setup='mkdir -p l1/b/f && ln -s nonexistent l1/b/f/a'
ops='
open 7 $M/b/f rdonly,directory 0
chmod $M/b 600
fchdir 7
fchmodat cwd a 0 0
fchmodat cwd nothere 0 0
stat x
'
AS=nobody repro "$setup" "$ops"
