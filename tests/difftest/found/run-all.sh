#!/bin/bash
# run-all.sh - run every reproducer here; print FIXED or STILL FAILS each.
# From make check (the build's top directory): its driver and library.
#
# xfail.txt lists the reproducers of bugs not fixed yet (one `FILE ITEM`
# a line, ITEM the issue's item that will fix it): each prints XFAIL
# loudly and does not fail the run.  One that starts to pass prints XPASS
# and FAILS the run, until its line is removed from xfail.txt (so that it
# becomes a regression test the day its fix is merged).
# UN_UNION_ONLY=1 (CI's sanitizer pass): each runs under libunion alone
# (lib.sh), so a listed one that passes is no XPASS: the plain pass
# judges those.
[ -x "$PWD/tests/difftest/driver" ] && export DRIVER=${DRIVER:-$PWD/tests/difftest/driver}
[ -f "$PWD/preload/.libs/libunion.so" ] &&
	export LIBUNION=${LIBUNION:-$PWD/preload/.libs/libunion.so}
cd "$(dirname "$0")" || exit 2
fails=0 xfails=0
for f in [0-9]*.sh; do
	item=$(awk -v f="$f" '$1 == f { print $2 }' xfail.txt 2>/dev/null)
	if out=$(bash "$f" 2>&1); then
		if [ -n "$item" ] && [ "${UN_UNION_ONLY:-0}" = 1 ]; then
			echo "PASS         $f (libunion only: listed in xfail.txt as $item)"
		elif [ -n "$item" ]; then
			echo "XPASS        $f (listed in xfail.txt as $item): it passes now; remove its line from found/xfail.txt"
			fails=$((fails + 1))
		else
			echo "FIXED        $f"
		fi
	else
		rc=$?
		[ "$rc" = 77 ] && { echo "$out"; exit 77; }
		if [ -n "$item" ]; then
			echo "XFAIL        $f: EXPECTED TO FAIL until $item is fixed (found/xfail.txt)"
			xfails=$((xfails + 1))
		else
			echo "STILL FAILS  $f"
			fails=$((fails + 1))
		fi
		[ -n "${VERBOSE:-}" ] && printf '%s\n' "$out" | sed 's/^/    /'
	fi
done
echo "$fails reproducer(s) fail, $xfails XFAIL (known, not fixed yet: found/xfail.txt)"
[ "$fails" = 0 ]
