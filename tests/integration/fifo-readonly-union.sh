#!/bin/bash
# fifo-readonly-union: a lower fifo opened through a read-only union (an empty UPPER) answers as the kernel's read-only overlay: it opens for writing (ENXIO without a reader, O_NONBLOCK; creat and O_TRUNC of it open it too), readers and writers of two processes meet in one pipe, fstat answers the lower fifo's metadata, a change through the descriptor answers EROFS, access(W_OK) answers by the permission; the lower fifo's times never move (libunion's stand-in lives outside every layer).  The same steps in a union with an upper (nothing copied up).  As root and as nobody owning the lowers; MERGED absent and in place.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	make_small_tree "$1"
	mkfifo -m 644 "$1/lower1/fifo"
	mkfifo -m 444 "$1/lower1/ro-fifo"
	mkfifo -m 600 "$1/lower2/d2/fifo2"
}

# The lower fifos' times, all three (the harness compares mtimes only).
fifo_times() {
	stat -c '%n %X %Y %Z' "$1/lower1/fifo" "$1/lower1/ro-fifo" \
		"$1/lower2/d2/fifo2"
}

action() {
	fifo_times "$L" >"$L/times.before"
	step '"$TESTPROG/sysop" open "$M/fifo" wronly,nonblock -- open "$M/fifo" wronly,nonblock,trunc -- open "$M/fifo" wronly,nonblock,append -- open "$M/fifo" creat,wronly,nonblock -- open "$M/fifo" creat,excl,wronly,nonblock -- open "$M/fifo" rdonly,nonblock,trunc -- open "$M/fifo" rdonly,nonblock -- open "$M/fifo" rdwr -- open "$M/ro-fifo" wronly,nonblock -- open "$M/ro-fifo" rdonly,nonblock -- open "$M/d2/fifo2" rdwr -- access "$M/fifo" w -- access "$M/ro-fifo" w -- access "$M/f1" w'
	# A writer and a reader in two processes meet.
	step '(echo through the fifo > "$M/fifo" &); cat "$M/fifo"; st "$M/fifo"'
	# creat of an existing fifo opens it (it blocks for a reader).
	step 'g=$(mktemp "$T/home/got.XXXXXX"); (cat "$M/d2/fifo2" > "$g" &); sleep 0.3; "$PYTHON" -c "
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
os.write(fd, b\"by creat\\n\")" "$M/d2/fifo2"; sleep 0.3; cat "$g"; st "$M/d2/fifo2"'
	# One process: both ends, then what its descriptors answer.
	step '"$PYTHON" -c "
import os, sys
p = sys.argv[1]
def err(f, *a):
    try:
        f(*a)
        return \"ok\"
    except OSError as e:
        return e.strerror
r = os.open(p, os.O_RDONLY | os.O_NONBLOCK)
w = os.open(p, os.O_WRONLY | os.O_NONBLOCK)
print(os.write(w, b\"hello\"), os.read(r, 10))
a, b = os.stat(p), os.fstat(w)
print(oct(b.st_mode), b.st_nlink, b.st_mtime_ns == a.st_mtime_ns, b.st_size)
print(\"fchmod\", err(os.fchmod, w, 0o600), \"fchown\", err(os.fchown, r, -1, -1))
print(\"futimens\", err(os.utime, w, None), err(os.utime, r, (5, 6)))
print(\"fsetxattr\", err(os.setxattr, w, \"user.x\", b\"y\"), \"fremovexattr\", err(os.removexattr, r, \"user.x\"))
print(\"ftruncate\", err(os.ftruncate, w, 0))
print(oct(os.fstat(r).st_mode), os.fstat(r).st_mtime_ns == a.st_mtime_ns)
" "$M/fifo"; st "$M/fifo"'
	step 'names "$M"; names "$M/d2"'
}

check() {
	fifo_times "$2" >"$2/times.after"
	if ! cmp -s "$2/times.before" "$2/times.after"; then
		fail "$1: a lower fifo's times moved"
		diff -u "$2/times.before" "$2/times.after" >&2 || true
	fi
	# Nothing copied up on open: the uppers hold the same fifos (the
	# kernel's fchmod through the descriptor copies its fifo up).
	if [ -d "$2/upper" ]; then
		(cd "$2/upper" && find . -path ./.union -prune -o -type p -print |
			sort) >"$2/upper-fifos"
		if [ "$1" = union ] &&
			! cmp -s "$UN_KD/upper-fifos" "$2/upper-fifos"; then
			fail "the uppers hold other fifos"
			diff -u "$UN_KD/upper-fifos" "$2/upper-fifos" >&2 || true
		fi
	fi
}

for ro in 1 0; do
	for inplace in 0 1; do
		name=fifo-readonly-union-ro$ro-inplace$inplace
		UN_NO_UPPER=$ro UN_INPLACE=$inplace UN_MERGED_ABSENT=1 \
			compare_kernel_union "$name" setup action check
		UN_AS=nobody UN_NOBODY_LOWERS=both UN_NO_UPPER=$ro \
			UN_INPLACE=$inplace UN_MERGED_ABSENT=1 \
			compare_kernel_union "$name-nobody" setup action check
	done
done
un_done
