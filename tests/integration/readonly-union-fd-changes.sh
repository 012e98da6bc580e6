#!/bin/bash
# readonly-union-fd-changes: in a read-only union (no upper), changes through descriptors opened read-only (fchmod, fchown, futimens, futimes, fsetxattr, fremovexattr, fchownat and utimensat with AT_EMPTY_PATH or a NULL path, linkat with AT_EMPTY_PATH into the union and out of it) and the *at calls relative to a directory descriptor answer EROFS (or the kernel's earlier errno) and change no lower (issue 11).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_cmd setfattr
cp "$TOP_SRCDIR/tests/prog/callc.py" "$T/callc.py"

setup() {
	mkdir -p "$1/lower1" "$1/lower2"
	mkf "$1/lower1/f1" 644 "f1 from lower1"
	mkf "$1/lower1/d/x1" 644 "x1"
	mkf "$1/lower2/f2" 644 "f2 from lower2"
	mkf "$1/lower2/d/x2" 644 "x2"
	mkf "$1/lower2/ro" 444 "ro"
	mkl f1 "$1/lower1/sl"
	setfattr -n user.a -v 1 "$1/lower2/f2"
	setfattr -n user.a -v 1 "$1/lower1/d"
	mkdir -p "$1/out"
}

action() {
	step '"$PYTHON" "$T/callc.py" fchmod rd:"$M/f1" 0600 -- fchmod rd:"$M/ro" 0600 -- fchmod dir:"$M/d" 0700 -- fchown rd:"$M/f1" -1 -1 -- fchown dir:"$M/d" -1 -1 -- futimens rd:"$M/f1" ts:1 -- futimens rd:"$M/f2" NULL -- futimens dir:"$M/d" ts:1 -- futimes rd:"$M/f1" tv:1'
	step '"$PYTHON" "$T/callc.py" fsetxattr rd:"$M/f1" user.b v 1 0 -- fsetxattr rd:"$M/f2" user.a w 1 0 -- fsetxattr dir:"$M/d" user.b v 1 0 -- fremovexattr rd:"$M/f2" user.a -- fremovexattr dir:"$M/d" user.a -- fremovexattr rd:"$M/f1" user.none'
	step '"$PYTHON" "$T/callc.py" fchownat rd:"$M/f1" "" -1 -1 4096 -- fchownat dir:"$M/d" "" -1 -1 4096 -- utimensat rd:"$M/f1" NULL ts:1 0 -- utimensat rd:"$M/f1" "" ts:1 4096 -- utimensat dir:"$M/d" "" NULL 4096 -- linkat rd:"$M/f1" "" AT_FDCWD "$M/new" 4096 -- linkat rd:"$M/f2" "" AT_FDCWD "$L/out/f2" 4096 -- linkat rd:"$M/f1" "" dir:"$M/d" f1 4096'
	step '"$PYTHON" "$T/callc.py" fchmodat dir:"$M/d" x1 0600 0 -- fchmodat dir:"$M" sl 0600 256 -- fchownat dir:"$M/d" x2 -1 -1 0 -- fchownat dir:"$M" sl -1 -1 256 -- utimensat dir:"$M/d" x1 ts:1 0 -- utimensat dir:"$M" sl NULL 256 -- futimesat dir:"$M/d" x2 tv:1 -- unlinkat dir:"$M/d" x1 0 -- unlinkat dir:"$M" d 512 -- mkdirat dir:"$M/d" n 0755 -- mknodat dir:"$M/d" p 010644 0 -- symlinkat t dir:"$M/d" s -- linkat dir:"$M/d" x1 dir:"$M/d" x9 0 -- renameat dir:"$M/d" x1 dir:"$M/d" x9 -- openat dir:"$M/d" x2 01 -- openat dir:"$M/d" x2 01000'
	step '"$PYTHON" -c "
import os, sys
for p in sys.argv[1:]:
    for name, call in ((\"fchmod\", lambda fd: os.chmod(fd, 0o600)), (\"utime\", lambda fd: os.utime(fd, (1, 1))), (\"setxattr\", lambda fd: os.setxattr(fd, \"user.c\", b\"v\")), (\"truncate\", lambda fd: os.truncate(fd, 0))):
        fd = os.open(p, os.O_RDONLY)
        try:
            call(fd); print(name, p, \"ok\")
        except OSError as e:
            print(name, p, os.strerror(e.errno))
        os.close(fd)
" "$M/f1" "$M/f2" "$M/d"'
	step 'stat -c "%n %a %Y %h" "$M/f1" "$M/f2" "$M/ro" "$M/d" "$M/d/x1"; getfattr -d "$M/f2" "$M/d" 2>&1 | sed "/^$/d"; ls "$L/out"'
}

UN_NO_UPPER=1 compare_kernel_union readonly-union-fd-changes setup action
UN_NO_UPPER=1 UN_AS=nobody UN_NOBODY_LOWERS=both compare_kernel_union readonly-union-fd-changes-nobody setup action
un_done
