#!/bin/bash
# proc-self-cwd-lower: paths through /proc/self/cwd (and /proc/thread-self/cwd, /proc/PID/cwd) while the cwd is a lower's directory, or one the upper holds too: a create, a write over a lower file, a mkdir, a chmod of the cwd itself, a symlink and a hard link made there; a write through /dev/stdin (read-only on a lower file), through a union's symlink to /proc/self/fd/3 or to /proc/self/cwd/NAME; against the kernel, as root and as nobody.  The library left those paths to the kernel, which follows the magic link to the real cwd or file, the LOWER's copy: every change landed in the lower.  Now the rest of the path is looked up from the cwd (namei.c proc_cwd), /dev/stdin... as /dev/fd/N (proc_fd_num), a link's /proc target as the merged path it stands for (proc_target).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	make_small_tree "$1"
	mkl /proc/self/fd/3 "$1/lower1/fd3"
	mkl /proc/self/cwd/only2 "$1/lower1/d/cwd-only2"
}

action() {
	step 'cd "$M/d2" && touch /proc/self/cwd/new && echo x >/proc/self/cwd/f3 && names . && cat f3'
	step 'cd "$M/d2" && mkdir /proc/thread-self/cwd/sub && ln -s f3 /proc/self/cwd/sl && ln /proc/self/cwd/f3 /proc/self/cwd/hl && names . && st hl'
	step 'cd "$M/d2" && chmod 700 /proc/self/cwd && st .'
	step 'cd "$M/d2/deeper" && sh -c "echo y >/proc/\$\$/cwd/g && cat /proc/\$\$/cwd/g" && names .'
	step 'cd "$M" && echo z >/proc/self/cwd/f1 && cat f1 && readlink /proc/self/cwd >/dev/null && echo link-read'
	# /dev/stdin and symlinks to the magic links: the same objects.
	step 'cd / && exec 0<"$M/d/x2" && echo w >/dev/stdin && cat "$M/d/x2"'
	step 'exec 3<"$M/f2" && echo v >>"$M/fd3" && cat "$M/f2"'
	step 'cd "$M/d2" && echo u >>"$M/d/cwd-only2" && cat only2'
}

compare_kernel_union proc-self-cwd-lower setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union proc-self-cwd-lower-nobody setup action
un_done
