#!/bin/bash
# chdir-threads-layers: one thread changes directory round a, b and c (chdir by absolute and relative path, fchdir) while two others stat, open, access "f" relative to the cwd and ask getcwd: every answer is one of the three directories' own, as over the kernel's mount.  The directories' f lie in different layers (a merged with f in the lower, b merged with f in the upper, c in the lower alone): under the library a lookup that took the real cwd from one side of a chdir and the merged path from the other would look in the wrong copy (16-36% of them failed before session 11: bench/README.md "Session 11 (chdir)").  As root and as nobody.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
need_prog cwdrace

setup() {
	mkdir -p -m 755 "$1/upper/a" "$1/lower1/b"
	mkf "$1/lower1/a/f" 644 a
	mkf "$1/upper/b/f" 644 bb
	mkf "$1/lower1/c/f" 644 ccc
}

action() {
	# (The counts it reaches differ from run to run: into the log.)
	step '"$TESTPROG/cwdrace" "$M" 15 2>>"$T/home/counts-$(id -u)"'
}

# ran NAME: the kernel's side made every kind of call (a comparison of
# two runs that both failed to start would agree); in the sanitizer pass,
# which runs libunion's side alone, that side.
ran() {
	local side=kernel
	pass_ran "$1" || return 0
	[ "${UN_UNION_ONLY:-}" != 1 ] || side=union
	[ "$(grep -c ': ok$' "$T/$1/$side.out")" = 5 ] ||
		fail "$1: the $side side did not run: $(cat "$T/$1/$side.out")"
}

compare_kernel_union chdir-threads-layers setup action
ran chdir-threads-layers
UN_AS=nobody compare_kernel_union chdir-threads-layers-nobody setup action
ran chdir-threads-layers-nobody
un_log "counts (kernel, libunion; as root, then as nobody):"
un_log "$(cat "$T"/home/counts-* 2>/dev/null)"
un_done
