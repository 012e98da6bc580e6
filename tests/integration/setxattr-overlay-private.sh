#!/bin/bash
# setxattr-overlay-private: xattrs with overlay names through the merged view, by path and by descriptor: trusted.overlay.* are ordinary attributes of the merged object (the kernel escapes them), user.overlay.opaque hides nothing.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop
need_cmd setfattr getfattr

setup() { make_small_tree "$1"; }

action() {
	step '"$TESTPROG/sysop" setxattr "$M/d" trusted.overlay.opaque y -- setxattr "$M/f1" trusted.overlay.foo x -- getxattr "$M/d" trusted.overlay.opaque -- removexattr "$M/d" trusted.overlay.opaque; names "$M/d"'
	step '"$TESTPROG/sysop" setxattr "$M/d" user.overlay.opaque y -- getxattr "$M/d" user.overlay.opaque; names "$M/d"; cat "$M/d/x2"'
	step '"$TESTPROG/sysop" setxattr "$M/d2" user.overlay.opaque y; names "$M/d2"; ls "$M/d2/deeper"'
	step 'mkdir "$M/nd"; "$TESTPROG/sysop" setxattr "$M/nd" user.overlay.whiteout y; names "$M"'
	# Through a descriptor the same names as through a path (they were
	# stored unescaped once, where getxattr by path could not find them).
	step '"$PYTHON" -c "
import os, sys
m = sys.argv[1]
fd = os.open(m + \"/d\", os.O_RDONLY | os.O_DIRECTORY)
os.setxattr(fd, \"trusted.overlay.opaque\", b\"y\")
print(sorted(os.listdir(m + \"/d\")))
print(os.getxattr(fd, \"trusted.overlay.opaque\"), os.getxattr(m + \"/d\", \"trusted.overlay.opaque\"))
print(sorted(n for n in os.listxattr(fd) if n.startswith(\"trusted.overlay\")))
os.removexattr(fd, \"trusted.overlay.opaque\")
print(sorted(n for n in os.listxattr(m + \"/d\") if n.startswith(\"trusted.overlay\")))
" "$M"'
}

compare_kernel_union setxattr-overlay-private setup action
un_done
