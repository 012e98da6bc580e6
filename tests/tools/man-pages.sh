#!/bin/bash
# man-pages: union(1) and libunion(7) format without a warning from man --warnings.
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
need_cmd man

for page in "$TOP_SRCDIR/man/union.1" "$TOP_SRCDIR/man/libunion.7"; do
	name=$(basename "$page")
	if ! MANWIDTH=80 man --warnings -E UTF-8 -l "$page" >"$T/out" 2>"$T/err"; then
		fail "$name: man failed: $(cat "$T/err")"
		continue
	fi
	if [ -s "$T/err" ]; then
		fail "$name: man --warnings complains:"
		cat "$T/err" >&2
	else
		printf 'ok: %s formats without warnings (%d lines)\n' "$name" "$(wc -l <"$T/out")"
	fi
	grep -q '^NAME' "$T/out" || fail "$name: no NAME section"
done
grep -q '^LIMITATIONS' <(MANWIDTH=80 man -l "$TOP_SRCDIR/man/libunion.7" 2>/dev/null) ||
	fail "libunion.7: no LIMITATIONS section"

un_done
