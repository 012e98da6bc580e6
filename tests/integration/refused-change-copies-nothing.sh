#!/bin/bash
# refused-change-copies-nothing: changes the kernel refuses to the user who owns the lowers (truncate, open for writing, setxattr and removexattr of a 0444 file; trusted.* and security.* names; chown to another owner; a bad time; a symlink's mode; names made, removed or renamed in a 0555 directory) answer its errno and copy nothing up: a 0444 file's hard links stay whole (issue 11, item 4).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop
need_cmd setfattr
cp "$TOP_SRCDIR/tests/prog/callc.py" "$T/callc.py"

setup() {
	mkdir -p "$1/upper" "$1/lower1" "$1/lower2"
	local l1=$1/lower1 l2=$1/lower2
	mkf "$l1/ro" 444 "read-only"
	ln "$l1/ro" "$l1/ro-link"
	mkf "$l2/ro2" 444 "read-only, with an attribute"
	setfattr -n user.a -v 1 "$l2/ro2"
	mkf "$l1/wo" 200 "write-only"
	: >"$l1/wo-empty"
	chmod 200 "$l1/wo-empty"
	mkf "$l1/f" 644 "f"
	mkl f "$l1/sl"
	mkf "$l1/d/f" 644 "d/f"
	mkf "$l1/d/s/x" 644 "d/s/x"
	mkf "$l2/d/s/y" 644 "d/s/y"
	chmod 555 "$l1/d" "$l2/d"
}

action() {
	step '"$TESTPROG/sysop" truncate "$M/ro" 0 -- truncate "$M/ro2" 1 -- open "$M/ro" wronly -- open "$M/ro" rdwr -- open "$M/ro" rdonly,trunc -- open "$M/ro" wronly,append -- open "$M/wo" rdwr -- open "$M/wo-empty" rdwr -- open "$M/wo-empty" rdonly'
	step '"$TESTPROG/sysop" setxattr "$M/ro" user.b 2 -- removexattr "$M/ro2" user.a -- removexattr "$M/ro2" user.none -- setxattr "$M/f" trusted.b 2 -- setxattr "$M/f" security.b 2 -- getxattr "$M/ro2" user.a'
	step '"$TESTPROG/sysop" chown "$M/f" 0 -1 -- chown "$M/f" -1 0 -- lchown "$M/sl" 0 0 -- utimens "$M/f" 1 1000000000 -- utimens "$M/f" 1 -5'
	step '"$PYTHON" "$T/callc.py" lchmod "$M/sl" 0600 -- fchmodat AT_FDCWD "$M/sl" 0600 256 -- fchmodat AT_FDCWD "$M/f" 0600 4096 -- setxattr "$M/f" user.c v 1 7 -- setxattr "$M/f" "" v 1 0'
	step '"$TESTPROG/sysop" open "$M/d/new" wronly,creat 644 -- mkdir "$M/d/nd" 755 -- mkfifo "$M/d/p" 644 -- symlink f "$M/d/sl" -- link "$M/f" "$M/d/h" -- unlink "$M/d/f" -- rename "$M/f" "$M/d/g" -- rename "$M/d/f" "$M/d/s/f" -- rename "$M/d/s/x" "$M/d/x" -- rmdir "$M/d/s"'
	step 'stat -c "%n %a %h" "$M/ro" "$M/ro-link" "$M/d"; cat "$M/ro"'
}

# As the user, nothing of the refused changes reached the upper.
check() {
	expect_eq "$1: nothing copied up" "" "$(upper_names "$2")"
}

compare_kernel_union refused-change-copies-nothing setup action
UN_AS=nobody UN_NOBODY_LOWERS=both compare_kernel_union refused-change-copies-nothing-nobody setup action check
UN_INPLACE=1 UN_AS=nobody UN_NOBODY_LOWERS=both compare_kernel_union refused-change-copies-nothing-nobody-inplace setup action check
un_done
