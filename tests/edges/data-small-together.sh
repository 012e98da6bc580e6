#!/bin/bash
# data-small-together: libunion.so's small variables in .bss (under 32 bytes: flags, counters, pointers, states) lie on at most two pages, after the arrays and buffers (preload/local.mk: -fdata-sections and --sort-section=alignment).  In source order the 8-16 KiB buffers (the cwd's two paths, fdtab.c's chunks, dcache.c's dirgen_zero) scattered them over six pages, each a page fault in every process that looks a name up (issue 13, bench/README.md "Session 14 (make -j32)").  And what the layout moved still starts as it should: a shell's cwd, a read, a create in a lower directory (its copy-up) and a redirection in a union, as root and as nobody.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
command -v nm >/dev/null && command -v readelf >/dev/null ||
	skip "nm and readelf (binutils) are not installed"

read -r bss_at bss_size < <(readelf -SW "$LIBUNION_SO" |
	awk '$2 == ".bss" { print $4, $6 }')
[ -n "${bss_size:-}" ] || fail "no .bss in $LIBUNION_SO"
nm -S "$LIBUNION_SO" | awk 'NF == 4 && $3 ~ /^[bB]$/ { print $1, $2, $4 }' \
	>"$T/bss"
if [ ! -s "$T/bss" ]; then
	echo "SKIP: (part) libunion.so has no symbol table (stripped)"
elif [ -n "${UN_PRELOAD_FIRST:-}" ]; then
	echo "SKIP: (part) the layout of a sanitizer build (its redzones)"
else
	pages=$("$PYTHON" -S - "$T/bss" "$bss_at" "$bss_size" <<'PY'
import sys
lo = int(sys.argv[2], 16)
hi = lo + int(sys.argv[3], 16)
pages = set()
for line in open(sys.argv[1]):
    a, s, name = line.split()
    a, s = int(a, 16), int(s, 16)
    # (Thread-local variables have offsets, not addresses: not here.)
    if lo <= a < hi and s < 32:
        pages.add(a >> 12)
        pages.add((a + s - 1) >> 12)
print(len(pages))
PY
)
	if [ "$pages" -le 2 ]; then
		echo "ok: the small variables of .bss on $pages page(s)"
	else
		fail "the small variables of .bss lie on $pages pages (each a fault in every process): is --sort-section=alignment still linked, with -fdata-sections?"
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

run self ""
if is_root; then
	run nobody as_nobody
else
	echo "SKIP: the pass as nobody needs root"
fi
un_done
