#!/bin/bash
# data-small-together: libunion.so's .bss (the small variables: flags, counters, pointers, states) lies on at most two pages, the big buffers (the cwd's two paths, fdtab.c's descriptor chunks, dcache.c's dirgen_zero, nextsym.c's self_whole buffer) placed before it (preload/segment.ld's .un_big, with -fdata-sections).  In source order the buffers (8-16 KiB each) scattered the small variables over six pages, each a page fault in every process that looks a name up (issue 13, bench/README.md "Session 14 (make -j32)").  And what the layout moved still starts as it should: a shell's cwd, a read, a create in a lower directory (its copy-up) and a redirection in a union, as root and as nobody.  fdtab.c's count of readers lies on the line of descriptors 0-3's slots (a shell's child that redirects writes both: one page, not two).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
command -v nm >/dev/null && command -v readelf >/dev/null ||
	skip "nm and readelf (binutils) are not installed"

# The sections' addresses and sizes (hex), and the variables'.
readelf -SW "$LIBUNION_SO" | awk '$2 == ".bss" || $2 == ".un_big" {
	print $2, $4, $6 }' >"$T/sections"
grep -q '^\.bss ' "$T/sections" || fail "no .bss in $LIBUNION_SO"
nm -S "$LIBUNION_SO" | awk 'NF == 4 && $3 ~ /^[bB]$/ { print $1, $2, $4 }' \
	>"$T/bss"
if [ ! -s "$T/bss" ]; then
	echo "SKIP: (part) libunion.so has no symbol table (stripped)"
elif [ -n "${UN_PRELOAD_FIRST:-}" ]; then
	echo "SKIP: (part) the layout of a sanitizer build (its redzones)"
else
	got=$("$PYTHON" -S - "$T/sections" "$T/bss" <<'PY'
import sys
sec = {}
for line in open(sys.argv[1]):
    name, at, size = line.split()
    sec[name] = (int(at, 16), int(at, 16) + int(size, 16))
big = sec.get('.un_big', (0, 0))
lo, hi = sec['.bss']
pages, out = set(), []
at = {}
for line in open(sys.argv[2]):
    a, s, name = line.split()
    a, s = int(a, 16), int(s, 16)
    at[name] = a
    # (Thread-local variables have offsets, not addresses: not here.)
    if lo <= a < hi:
        pages.update((a >> 12, (a + s - 1) >> 12))
    # (gcc names a static local whole.1, clang self_whole.whole.)
    if set(name.split('.')) & {'cwd_real', 'cwd_merged', 'chunks', 'un_fd_chunk0',
                                 'dirgen_zero', 'whole'} and \
       not big[0] <= a < big[1]:
        out.append(name)
# fdtab.c's readers and the slots of descriptors 0-3 in one line.
line = 'yes' if 'readers' in at and 'un_fd_chunk0' in at and \
    at['readers'] < at['un_fd_chunk0'] and \
    at['readers'] >> 6 == (at['un_fd_chunk0'] + 3 * 8) >> 6 else 'no'
print(len(pages), line, ' '.join(out) or '-')
PY
)
	read -r pages line out <<<"$got"
	expect_eq "the big buffers outside .bss (segment.ld's .un_big)" - "$out"
	# A shell's child that redirects writes both (open's record, dup2's
	# read): on two pages they were two faults an exec (bench/README.md
	# "Session 16 (exec)").
	expect_eq "fdtab.c's readers on chunk0's first line (segment.ld)" \
		yes "$line"
	if [ "$pages" -le 2 ]; then
		echo "ok: the variables of .bss on $pages page(s)"
	else
		fail "the variables of .bss lie on $pages pages (each a fault in every process): is a big buffer back in .bss (segment.ld)?"
	fi
fi

# What the layout moved still works, as root and as nobody.
run() {
	local d=$T/$1 got
	mkdir -p "$d/u" "$d/l/d"
	echo "from the lower" >"$d/l/d/f"
	[ "$1" = nobody ] && chown -R 65534:65534 "$d"
	lowers_snapshot "$d/l"
	got=$(cd "$d" && $2 env UNION_LAYERS="$(un_spec "$d/m" "$d/u" \
		"$d/l")" LD_PRELOAD="$LIBUNION" bash -c \
		'cd "$1/d" && pwd -P && read -r x <f && echo "$x" &&
		 echo new >g && exec 3<g && cat <&3 && ls' sh "$d/m" 2>&1) || true
	expect_eq "$1: a shell's cwd, a read, a create and a redirection" \
		"$d/m/d
from the lower
new
f
g" "$got"
	expect_eq "$1: the new file in the upper's copy of d" new \
		"$(cat "$d/u/d/g" 2>&1)"
	lowers_check
}

run_self_then_nobody run
un_done
