#!/bin/bash
# supervise-exec-union: what the union alone shows, from a supervised
# static program: exec of a static program that lies in a lower (MERGED
# not in place) or only in the upper, by merged path, from a supervised
# program (execv(p, argv) with argv[0] == p: the program keeps its name)
# and from a preloaded shell; a fifo opened by a supervised reader while
# a process of the same supervised tree opens the other end (the
# supervisor must not wait in the reader's open: the reader comes first).  The same as over the
# kernel overlay, the lowers unchanged; as root and as nobody.
# Then the differential tester's driver built -static runs, under the
# supervisor, the sequences its static run found (docs/SUPERVISE.md),
# each shrunk: a removed directory reached by fchdir, then `..` and
# getcwd; a relative open from it; MERGED/.. (the kernel walks the
# mount); an O_PATH descriptor (fremovexattr: EBADF); a fifo's fstat
# after its copy-up; renameat and linkat with a bad second base (the
# first path's ENOENT first); a listing of a directory of mode 0600
# (the library's getdents64 of a descriptor).  One file, so that the layouts are built
# once for both.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_supervisor
static_prog sv-static supervise-static.c -pthread
static_prog sv-driver ../difftest/driver.c -D_GNU_SOURCE -U_FORTIFY_SOURCE -DDIFFTEST_STATIC
export P=$T/sv-static D=$T/sv-driver

# play: the operations on stdin, $M for MERGED, through the static driver
play() { sed "s|\\\$M|$M|g" | "$D" -r "$M"; }
export -f play

setup() {
	make_small_tree "$1"
	cp "$P" "$1/lower1/sv-low"
	chmod 755 "$1/lower1/sv-low"
}

action() {
	step '"$P" exec "$M/sv-low" cat "$M/f1"'
	step 'cp "$P" "$M/sv-up" && "$P" exec "$M/sv-up" cat "$M/f2"'
	step '"$M/sv-low" cat "$M/both"; "$M/sv-up" exec "$M/sv-low" cat "$M/d/x1"'
	step 'mkfifo "$M/pf"; timeout 20 "$P" exec /bin/sh -c "\"\$P\" cat \"\$M/pf\" & sleep 0.3; echo through > \"\$M/pf\"; wait"; echo "status $?"'
	step 'play <<"OPS"
mkdir $M/d/r1 555
open 6 $M/d/r1 rdonly,directory 0
unlinkat cwd $M/d/r1 removedir
fchdir 6
getcwd
chdir ..
getcwd
OPS'
	step 'play <<"OPS"
mkdir $M/d/sub/r2 555
open 6 $M/d/sub/r2 rdonly,directory 0
unlinkat cwd $M/d/sub/r2 removedir
fchdir 6
open 0 ../../f1 rdonly 0
fstat 6
OPS'
	step 'play <<"OPS"
symlink x $M/..
mkdir $M/..
open 3 $M/d path 0
fremovexattr 3 user.k2
fstat 3
OPS'
	step 'play <<"OPS"
mkfifo $M/pf 644
open 3 $M/pf rdwr 0
chmod $M/pf 600
fstat 3
open 6 $M/d rdonly,directory 0
renameat 6 a/f 7 d
linkat 6 b 7 c follow
OPS'
	# a directory of mode 0600 lists (getdents64 needs no search
	# permission): the library's listing of a descriptor (dents.c)
	step 'play <<"OPS"
chmod $M/d2 600
open 3 $M/d2 rdonly,directory 0
fdls 3
chmod $M/d2 755
OPS'
}

compare_kernel_union supervise-exec-union setup action
UN_AS=nobody UN_NOBODY_LOWERS=both compare_kernel_union supervise-exec-union-nobody setup action
un_done
