#!/bin/bash
# supervise-exec-union: what the union alone shows, from a supervised
# static program: exec of a static program that lies in a lower (MERGED
# not in place) or only in the upper, by merged path, from a supervised
# program (execv(p, argv) with argv[0] == p: the program keeps its name)
# and from a preloaded shell; a fifo opened by a supervised reader while
# a process of the same supervised tree opens the other end (the
# supervisor must not wait in the reader's open: the reader comes first).  The same as over the
# kernel overlay, the lowers unchanged; as root and as nobody.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
UNION_SUPERVISOR=${UNION_SUPERVISOR:-$(cd "$(dirname "$LIBUNION_SO")/../.." && pwd)/tools/union-supervise}
[ -x "$UNION_SUPERVISOR" ] || skip "no supervisor built: $UNION_SUPERVISOR"
cc_build sv-static supervise-static.c -static -pthread ||
	skip "cannot link a static program ($EDGES_CC -static; libc6-dev's libc.a missing?)"
chmod 755 "$T" "$T/sv-static"
P=$T/sv-static
export UNION_SUPERVISOR P

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
}

compare_kernel_union supervise-exec-union setup action
UN_AS=nobody UN_NOBODY_LOWERS=both compare_kernel_union supervise-exec-union-nobody setup action
un_done
