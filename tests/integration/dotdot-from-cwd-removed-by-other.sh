#!/bin/bash
# dotdot-from-cwd-removed-by-other: a shell's cwd removed with its
# parents by another process (rm -rf, rmdir), the parent made again at
# its name (mkdir -p), then a create through '..': the kernel's '..'
# from the deleted cwd is the deleted old parent (ENOENT); libunion took
# the cwd alone for removed and walked '..' to the new directory, where
# it made the file.  Now the deleted real ancestors count as removed too
# (namei.c dead_upper_prefix).  The shell itself (bash's redirection),
# a child it starts (touch, python), as root and as nobody.  Found by
# the real-program run of session 15.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { mkdir -p "$1/upper" "$1/lower1/l/a/b" "$1/lower2"; }

action() {
	step 'cd "$M" && mkdir -p r1/a/b && cd r1/a/b && rm -rf "$M/r1" && mkdir -p "$M/r1/a" && { touch ../x; echo $?; ls ..; } 2>&1'
	step 'cd "$M" && mkdir -p r2/a/b && cd r2/a/b && rmdir "$M/r2/a/b" "$M/r2/a" "$M/r2" && mkdir -p "$M/r2/a" && { touch ../x; echo $?; } 2>&1'
	step 'cd "$M" && mkdir -p r3/a/b && cd r3/a/b && rm -rf "$M/r3" && mkdir -p "$M/r3/a" && { echo hi >../y; echo $?; cd ..; echo $?; } 2>&1'
	step 'cd "$M" && mkdir -p r4/a/b && cd r4/a/b && rm -rf "$M/r4" && mkdir -p "$M/r4/a" && "$PYTHON" -c "open(\"../z\", \"w\")" 2>&1 | tail -1'
	step 'cd "$M" && mkdir -p r5/a/b && cd r5/a/b && rm -rf "$M/r5/a/b" && { touch ../x; echo $?; } 2>&1'
	step 'cd "$M/l/a/b" && rm -rf "$M/l" && mkdir -p "$M/l/a" && { touch ../x; echo $?; } 2>&1'
	step 'ls -R "$M"'
}

compare_kernel_union dotdot-from-cwd-removed-by-other setup action
UN_AS=nobody UN_NOBODY_LOWERS=both \
	compare_kernel_union dotdot-from-cwd-removed-by-other-nobody setup action
un_done
