#!/bin/bash
# proc-other-cwd-lower: /proc/PID/cwd/NAME and /proc/PID/fd/N of ANOTHER
# process of the union (a shell's child writing through its parent's
# cwd or descriptor).  The kernel follows the magic link to that
# process's real cwd or file, a lower's when its merged cwd is a lower's
# directory or its descriptor a lower's file: `echo x
# >/proc/$PPID/cwd/new` made new in the LOWER, `>>` appended to a lower
# file, and a reopen for writing of the parent's descriptor wrote the
# lower's; the same through a thread's /proc/.../task/TID/ links, this
# process's too.  (safe16 fixed /proc/self/cwd; found by review16.)  As root
# and as nobody.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	local d=$1
	mkdir -p "$d/upper" "$d/lower1"
	mkf "$d/lower1/a/f" 644 low
	mkf "$d/lower1/a/g" 644 gee
	mkf "$d/lower1/b/h" 644 aitch
	mkf "$d/lower1/c/k" 644 kay
	fix_times "$d"
}

action() {
	step 'cd "$M/a" && sh -c '"'"'echo x >/proc/$PPID/cwd/new && echo y >>/proc/$PPID/cwd/f && cat /proc/$PPID/cwd/g'"'"' && cat new f'
	step 'cd "$M/b" && exec 7<h && sh -c '"'"'echo more >>/proc/$PPID/fd/7 && cat /proc/$PPID/fd/7'"'"' && cat h'
	step 'cd "$M/a" && sh -c '"'"'mkdir /proc/$PPID/cwd/d && ls /proc/$PPID/cwd'"'"' && ls'
	# (A thread's own links: /proc/self/task/TID/cwd, /proc/PID/task/TID/fd/N.)
	step 'cd "$M/c" && exec 6<k && echo t >/proc/self/task/$BASHPID/cwd/t && echo u >>/proc/$BASHPID/task/$BASHPID/fd/6 && cat t k'
}

compare_kernel_union proc-other-cwd-lower setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union \
	proc-other-cwd-lower-nobody setup action
un_done
