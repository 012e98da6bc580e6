#!/bin/bash
# run-all.sh - run every reproducer here; print FIXED or STILL FAILS each.
# From make check (the build's top directory): its driver and library.
[ -x "$PWD/tests/difftest/driver" ] && export DRIVER=${DRIVER:-$PWD/tests/difftest/driver}
[ -f "$PWD/preload/.libs/libunion.so" ] &&
	export LIBUNION=${LIBUNION:-$PWD/preload/.libs/libunion.so}
cd "$(dirname "$0")" || exit 2
fails=0
for f in [0-9]*.sh; do
	if out=$(bash "$f" 2>&1); then
		echo "FIXED        $f"
	else
		rc=$?
		[ "$rc" = 77 ] && { echo "$out"; exit 77; }
		echo "STILL FAILS  $f"
		[ -n "${VERBOSE:-}" ] && printf '%s\n' "$out" | sed 's/^/    /'
		fails=$((fails + 1))
	fi
done
echo "$fails reproducer(s) still fail"
[ "$fails" = 0 ]
