#!/bin/bash
# fd-change-removed-lower-dir-with-whiteout: a lower directory whose only
# entry is an overlay whiteout of its own (a character device 0/0: empty
# in the merged view), held open, removed, then changed through the
# descriptor: the kernel's copy-up of the removed directory fails
# (ENOTDIR, as for an empty one); libunion counted the whiteout as an
# entry whose removal would have needed an upper copy, and made one
# (namei.c real_has_entries: whiteouts are no entries).  Root seed
# absent:5485 at --ops 120 (session 15); as root and as nobody.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	mkdir -p "$1/upper" "$1/lower1" "$1/lower2/c/e" "$1/lower2/c/f"
	mknod "$1/lower2/c/e/d" c 0 0
	echo kept >"$1/lower2/c/f/g"
}

action() {
	stepx <<'EOF2'
"$PYTHON" - "$M" <<'PY'
import os, sys
M = sys.argv[1]
for d in ("e", "f"):
    fd = os.open(M + "/c/" + d, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if d == "f":
            os.unlink(M + "/c/f/g")
        os.rmdir(M + "/c/" + d)
        print(d, "rmdir ok")
    except OSError as e:
        print(d, "rmdir", e.strerror)
    for what, call in (("fsetxattr", lambda: os.setxattr(fd, "user.new", b"v")),
                       ("fchmod", lambda: os.chmod(fd, 0o700))):
        try:
            call()
            print(d, what, "ok")
        except OSError as e:
            print(d, what, e.strerror)
PY
EOF2
	step 'ls -la "$M/c" | awk "NR>1 {print \$1, \$NF}"'
}

compare_kernel_union fd-change-removed-lower-dir-with-whiteout setup action
UN_AS=nobody UN_NOBODY_LOWERS=both \
	compare_kernel_union fd-change-removed-lower-dir-with-whiteout-nobody setup action
un_done
