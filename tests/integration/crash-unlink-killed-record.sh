#!/bin/bash
# crash-unlink-killed-record: an unlink of an upper file over a lower
# one killed (SIGKILL) between its whiteout record and the removal of
# the upper file (dir.c writes the record first) leaves both; the view
# shows the upper file, as the kernel's would (its unlink never began).
# The next unlink of it must leave the name gone: it took the record for
# a stale one and cancelled it, so the LOWER's file came back (rm -rf
# then failed: "Directory not empty"; tests/stress/crash.py's compaction
# loop, session 16).  The kill by strace at the unlinkat itself: the
# kernel's side is killed there too, before its unlink.  Also after a
# rename killed the same way (its source's whiteout written first).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_strace

setup() {
	mkdir -p "$1/lower1/c" "$1/upper"
	echo lower >"$1/lower1/c/f"
	echo lower >"$1/lower1/c/g"
}

action() {
	# the copy-up, then the killed unlink, the second one, the listing
	# (bash's notice of the kill names a pid: its stderr dropped)
	step 'echo new >"$M/c/f" && bash -c '\''strace -f -qq -o /dev/null \
		-e trace=unlinkat -e inject=unlinkat:signal=KILL:when=1 \
		rm "$M/c/f"; echo killed $?'\'' 2>/dev/null
		cat "$M/c/f"; rm "$M/c/f" && cat "$M/c/f"; names "$M/c"'
	# the same after a killed rename of the upper copy
	step 'echo new >"$M/c/g" && bash -c '\''strace -f -qq -o /dev/null \
		-e trace=rename,renameat,renameat2 \
		-e inject=rename,renameat,renameat2:signal=KILL:when=1 \
		mv "$M/c/g" "$M/c/h"; echo killed $?'\'' 2>/dev/null
		cat "$M/c/g"; rm "$M/c/g" && cat "$M/c/g"; names "$M/c"
		rm -rf "$M/c" && echo gone'
}

compare_kernel_union crash-unlink-killed-record setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union crash-unlink-killed-record-nobody setup action
un_done
