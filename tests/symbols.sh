#!/bin/bash
# symbols: the library exports exactly the rows of preload/syms.def, and
# every row names a function this machine's libc exports (so a glibc
# upgrade that renames one shows up here, not in a user's build).
set -eu
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${LIBUNION:=$TOP_SRCDIR/preload/.libs/libunion.so}"
libc=$(ldd "$LIBUNION" | awk '/libc\.so/ {print $3}')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cpp -P -x c -I"$TOP_SRCDIR/preload" "$TOP_SRCDIR/preload/exports.sym.in" |
	sed -n 's/^\([A-Za-z_0-9]*\);$/\1/p' | sort -u >"$tmp/table"
readelf --dyn-syms -W "$LIBUNION" |
	awk '$4 == "FUNC" && $5 == "GLOBAL" && $7 != "UND" {sub(/@.*/, "", $8); print $8}' |
	sort -u >"$tmp/exported"
readelf --dyn-syms -W "$libc" |
	awk '$4 == "FUNC" && $7 != "UND" {sub(/@.*/, "", $8); print $8}' |
	sort -u >"$tmp/libc"

fail=0
if ! diff -u "$tmp/table" "$tmp/exported"; then
	echo "FAIL: the exported symbols differ from syms.def (- table, + exported)"
	fail=1
fi
missing=$(comm -23 "$tmp/table" "$tmp/libc")
if [ -n "$missing" ]; then
	echo "FAIL: syms.def rows that $libc does not export:"
	echo "$missing"
	fail=1
fi
n=$(wc -l <"$tmp/table")
[ $fail = 0 ] && echo "PASS: $n symbols exported, all in syms.def and in $libc"
exit $fail
