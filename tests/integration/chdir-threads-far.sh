#!/bin/bash
# chdir-threads-far: the cwd outside every union (far: no merged directory below it); one thread moves it into a merged directory only a lower holds and back (chdir by absolute path, fchdir) while two others create and remove names relative to the cwd (open O_CREAT, rename, unlink, mkdir, rmdir).  The kernel's cwd is always one of the two, so no name is ever made in the lower: under the library a relative call decided from outside and handed to the kernel as it is must not land in the lower's copy when the other thread's chdir completes in between (namei.c lookup_threads, fdtab.c's in-flight count).  The program checks the lower itself, and lowers_check after; as root, and as nobody who owns the lowers.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
need_prog cwdfar

# Lower-only directories: the first name rightly made in one copies it
# up, after which a chdir into it reaches the upper's copy; the program
# moves on to the next each round.
DIRS=300

setup() {
	local i
	mkdir -p -m 755 "$1/lower1" "$1/upper"
	for ((i = 0; i < DIRS; i++)); do
		mkdir -m 755 "$1/lower1/lo$i"
		echo keep >"$1/lower1/lo$i/keep"
	done
	mkdir -p -m 777 "$1/out"
}

action() {
	# (The counts it reaches differ from run to run: into the log.)
	step '"$TESTPROG/cwdfar" "$M" "$L/out" "$L/lower1" '$DIRS' 15 2>>"$T/home/counts-$(id -u)"'
}

# ran NAME: the side that ran made its calls (a comparison of two runs
# that both failed to start would agree); in the sanitizer pass, which
# runs libunion's side alone, that side.
ran() {
	local side=kernel
	pass_ran "$1" || return 0
	[ "${UN_UNION_ONLY:-}" != 1 ] || side=union
	grep -q '^calls: ok$' "$T/$1/$side.out" ||
		fail "$1: the $side side did not run: $(cat "$T/$1/$side.out")"
}

compare_kernel_union chdir-threads-far setup action
ran chdir-threads-far
UN_AS=nobody UN_NOBODY_LOWERS=both compare_kernel_union \
	chdir-threads-far-nobody setup action
ran chdir-threads-far-nobody
un_log "counts (kernel, libunion; as root, then as nobody):"
un_log "$(cat "$T"/home/counts-* 2>/dev/null)"
un_done
