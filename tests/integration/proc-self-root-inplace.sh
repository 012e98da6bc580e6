#!/bin/bash
# proc-self-root-inplace: paths through /proc/self/root (and /proc/thread-self/root, /proc/PID/root) into an in-place union (MERGED is the top lower's own path): a write over a lower file, a create, a mkdir, a chmod, against the kernel, as root and as nobody.  The library left those paths to the kernel, which follows the root link to '/' and then the path on disk: MERGED's own directory, the LOWER (every change landed there).  Now /proc/self/root/PATH is looked up as /PATH while the process's root is '/' (namei.c proc_root).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_small_tree "$1"; }

action() {
	step 'echo x >>/proc/self/root"$M"/f1 && cat "$M/f1"'
	step 'touch /proc/thread-self/root"$M"/d2/new && mkdir /proc/self/root"$M"/d2/sub && names "$M/d2"'
	step 'chmod 600 /proc/self/root"$M"/d/x1 && st "$M/d/x1"'
	step 'sh -c "echo y >>/proc/\$\$/root$M/d2/only2" && cat "$M/d2/only2"'
	step 'cat /proc/self/root"$M"/both && ls /proc/self/root >/dev/null && echo root-listed'
}

UN_INPLACE=1 compare_kernel_union proc-self-root-inplace setup action
UN_INPLACE=1 UN_AS=nobody UN_NOBODY_LOWERS=both compare_kernel_union proc-self-root-inplace-nobody setup action
un_done
