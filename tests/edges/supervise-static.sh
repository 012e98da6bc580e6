#!/bin/bash
# supervise-static: a static C program runs inside the union under the
# seccomp supervisor: threads and a forked child create files, getdents64
# lists merged directories (also one copied up since it was opened), and
# refuses their lseek(SEEK_END),
# openat from a directory's descriptor, fchmod of a lower file opened
# read-only, chdir/getcwd (also of a cwd whose search permission was
# taken since), exec chains of static and dynamic programs; the same as
# over the kernel overlay, the lowers unchanged; as root and as nobody.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_supervisor
static_prog sv-static supervise-static.c -pthread
export P=$T/sv-static

setup() { make_small_tree "$1"; }

action() {
	step '"$P" threads "$M/d" && sort "$M"/d/t*'
	step '"$P" fork "$M/e1"'
	step '"$P" nosuchcommand "$M"; echo "status $?"'
	step '"$P" signals "$M/d2"; ls -A "$M/d2"'
	step '"$P" list "$M/d"; "$P" list "$M"'
	step '"$P" atnew "$M/d2/deeper" new'
	step '"$P" seekend "$M/d" "$M/d2/deeper" "$M/f1"'
	step '"$P" at "$M/d" x2; "$P" at "$M/d" xu; "$P" at "$M/d" nope'
	step '"$P" fchmod "$M/f1"; stat -c %a "$M/f1"'
	step '"$P" cwd "$M/d/sub" y2; "$P" cwd "$M/nope" x'
	step '"$P" cwdmode "$M/d/sub" y2'
	step '"$P" fchmoddir "$M/d" x1 nope; "$P" fchmoddir "$M" f1 nope'
	step '"$P" exec "$P" cat "$M/f2"; "$P" exec /bin/cat "$M/both"'
	step '"$P" exec /bin/sh -c "\"\$P\" cat \"\$M/fu\"; cat \"\$M/d/x1\""'
	step 'rm "$M/f2"; "$P" list "$M"; "$P" cat "$M/f2"'
	# dash forks its commands by vfork: the library must leave the
	# parent's state as it found it when it hands a program to the
	# supervisor, or the next exec runs outside the union
	step 'sh -c "\"\$P\" cat \"\$M/fu\"; \"\$P\" cat \"\$M/both\"; cat \"\$M/d/x1\""'
}

compare_kernel_union supervise-static setup action
UN_AS=nobody UN_NOBODY_LOWERS=both compare_kernel_union supervise-static-nobody setup action
un_done
