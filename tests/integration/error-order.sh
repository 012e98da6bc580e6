#!/bin/bash
# error-order: the kernel's order of errors.  In a read-only union (empty UPPER) EROFS comes before the name's own errors for every change (unlink of a directory, unlink "f/", rmdir of a file or of nothing, removexattr of an absent name, setxattr on a fifo), while opening a lower fifo for writing answers as the kernel (ENXIO without a reader).  In any union: a permission error (EACCES, EPERM) before ENOTDIR, EISDIR, EXDEV and ENODATA; link looks its source up before deciding EXDEV.  As root and as nobody owning the lowers.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	make_small_tree "$1"
	mkfifo -m 644 "$1/lower1/fifo"
	mkd "$1/lower1/ro" 555
	mkf "$1/lower1/ro/f" 644 "in a 0555 directory"
	mkd "$1/lower1/ro/sub" 755
	chmod -R a+rX "$1"/lower*
	chmod 555 "$1/lower1/ro"
}

action() {
	step '"$TESTPROG/sysop" unlink "$M/d" -- unlink "$M/f1/" -- unlink "$M/d/" -- unlink "$M/nope/" -- unlink "$M/nope" -- rmdir "$M/f1" -- rmdir "$M/nope" -- rmdir "$M/d/x1" -- rmdir "$M/f1/"'
	step '"$TESTPROG/sysop" removexattr "$M/f1" user.absent -- removexattr "$M/d" user.absent -- setxattr "$M/fifo" user.x y -- setxattr "$M/link-f1" user.x y -- removexattr "$M/nope" user.x'
	step '"$TESTPROG/sysop" open "$M/fifo" wronly,nonblock -- open "$M/fifo" rdonly,nonblock -- open "$M/fifo" rdwr,nonblock'
	step '"$TESTPROG/sysop" link "$M/nope" /tmp/x -- link "$M/f1" "$T/outside-link" -- link "$M/nope" "$M/new" -- link "$M/f1" "$M/f2" -- link "$M/d" "$M/newd" -- rename "$M/f1" "$T/outside" -- rename "$M/nope" "$T/outside"'
	step '"$TESTPROG/sysop" unlink "$M/ro/f" -- unlink "$M/ro/f/" -- unlink "$M/ro/sub" -- rmdir "$M/ro/f" -- rmdir "$M/ro/sub/" -- rename "$M/ro/f" "$M/f9" -- rename "$M/ro/sub" "$M/sub9" -- rename "$M/ro/f" "$T/outside" -- link "$M/f1" "$M/ro/new" -- mkdir "$M/ro/f" 755 -- removexattr "$M/ro/f" user.absent'
	# The union's root is a mount point: permission on its real parent
	# first (a user who may not write it gets EACCES), then EBUSY/EISDIR.
	step '"$TESTPROG/sysop" unlink "$M" -- rmdir "$M" -- unlink "$M/" -- rmdir "$M/"'
	step 'names "$M"'
}

compare_kernel_union error-order setup action
UN_NO_UPPER=1 compare_kernel_union error-order-readonly setup action
UN_AS=nobody UN_NOBODY_LOWERS=both compare_kernel_union error-order-nobody setup action
UN_AS=nobody UN_NOBODY_LOWERS=both UN_NO_UPPER=1 \
	compare_kernel_union error-order-nobody-readonly setup action
un_done
