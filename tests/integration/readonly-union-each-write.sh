#!/bin/bash
# readonly-union-each-write: a read-only union (no upper; the kernel: lowerdir=L1:L2 only): every write call fails with EROFS (or the lookup error first, as the kernel orders them); reads work.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

# calls sysop does not make, through libc with ctypes (tests/prog/callc.py)
cp "$TOP_SRCDIR/tests/prog/callc.py" "$T/callc.py"

setup() {
	mkdir -p "$1/lower1" "$1/lower2"
	mkf "$1/lower1/f1" 644 "f1 from lower1"
	mkf "$1/lower1/d/x1" 644 "x1"
	mkd "$1/lower1/e1"
	mkl f1 "$1/lower1/link-f1"
	mkf "$1/lower2/f2" 644 "f2 from lower2"
	mkf "$1/lower2/d/x2" 644 "x2"
	mkf "$1/lower2/ro" 444 "ro"
	setfattr -n user.a -v 1 "$1/lower2/f2"
}

action() {
	step '"$TESTPROG/sysop" open "$M/f1" wronly -- open "$M/f1" rdwr -- open "$M/f1" rdonly,trunc -- open "$M/f1" wronly,append -- open "$M/new" wronly,creat -- open "$M/f1" wronly,creat -- open "$M/f1" rdonly,creat -- open "$M/new" wronly,creat,excl -- open "$M/f1" wronly,creat,excl -- open "$M/d" rdonly,tmpfile,wronly -- open "$M/nope/x" wronly,creat -- open "$M/f1" rdonly -- open "$M/d" rdonly,directory'
	step '"$TESTPROG/sysop" truncate "$M/f1" 0 -- truncate "$M/nope" 0 -- chmod "$M/f1" 600 -- chmod "$M/nope" 600 -- chown "$M/f1" 0 0 -- lchown "$M/link-f1" 0 0 -- utimens "$M/f1" 1 0 -- lutimens "$M/link-f1" 1 0 -- setxattr "$M/f1" user.b 2 -- removexattr "$M/f2" user.a -- getxattr "$M/f2" user.a'
	step '"$TESTPROG/sysop" link "$M/f1" "$M/h" -- link "$M/nope" "$M/h" -- symlink t "$M/s" -- symlink t "$M/f1" -- unlink "$M/f1" -- unlink "$M/nope" -- rmdir "$M/e1" -- rmdir "$M/d" -- rmdir "$M/nope" -- mkdir "$M/nd" 755 -- mkdir "$M/d" 755 -- mkfifo "$M/p" 644'
	step '"$TESTPROG/sysop" rename "$M/f1" "$M/f3" -- rename "$M/f1" "$M/f2" -- rename "$M/nope" "$M/f3" -- renameat2 "$M/f1" "$M/f3" noreplace -- renameat2 "$M/f1" "$M/f2" exchange -- rename "$M/d" "$M/d3"'
	step '"$TESTPROG/sysop" access "$M/f1" w -- access "$M/ro" w -- access "$M/d" w -- access "$M/nope" w -- access "$M/f1" r -- access "$M/e1" x'
	step '"$PYTHON" "$T/callc.py" creat "$M/c" 0644 -- creat "$M/f1" 0644 -- mknod "$M/m" 010644 0 -- mkstemp "$M/tmpXXXXXX" -- mkdtemp "$M/dirXXXXXX" -- utimes "$M/f1" NULL -- utime "$M/f1" NULL -- lremovexattr "$M/f2" user.a -- fopen "$M/f1" w -- fopen "$M/f1" a -- fopen "$M/f1" r+ -- fopen "$M/f1" r -- remove "$M/f1" -- remove "$M/e1"'
	step 'cat "$M/f1" "$M/f2" "$M/d/x1" "$M/d/x2" "$M/link-f1"; names "$M"; names "$M/d"'
}

UN_NO_UPPER=1 compare_kernel_union readonly-union-each-write setup action
UN_NO_UPPER=1 UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union readonly-union-each-write-nobody setup action
un_done
