#!/bin/bash
# link() checks its new name (parent, existing name, trailing slash, a
# read-only union) before it compares the mounts: a new name `b/` in
# another union is ENOENT in the kernel (filename_create), not EXDEV.
. "$(dirname "$0")/lib.sh"
LAYOUT=two
repro 'echo x >l1/a' '
link $M/a $M2/b/
link $M/a $M2/nodir/b
'
