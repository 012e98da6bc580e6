#!/bin/bash
# create-fresh-dir: N processes, each a fresh exec from a cwd inside one
# lower-only directory of a fresh union (as `make -j` starts its
# compilers), create a file there at once; ROUNDS rounds, each on an
# empty upper.  Reports every round in which a create failed or a file
# is missing.  Not part of `make check`: a race is found here by
# numbers (6 rounds of 1,000 at N=2 before the fix of copy_up.c's
# rename_in), then made certain in a scenario
# (tests/integration/copyup-dir-race.sh).
#
#   bash tests/stress/create-fresh-dir.sh [-n N] [-r ROUNDS] [-l LIB]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
n=2 rounds=300 lib=$top/preload/.libs/libunion.so
while getopts n:r:l: o; do
	case $o in
	n) n=$OPTARG ;;
	r) rounds=$OPTARG ;;
	l) lib=$(realpath "$OPTARG") ;;
	*) exit 2 ;;
	esac
done
[ -f "$lib" ] || { echo "no library at $lib (make first)" >&2; exit 2; }
t=$(mktemp -d /tmp/create-fresh-dir.XXXXXX)
trap 'rm -rf "$t"' EXIT
mkdir -p "$t/lower/src"
for i in $(seq 1 20); do echo "$i" >"$t/lower/src/u$i.c"; done
(cd "$t/lower" && find . -printf '%p %s %T@\n' | sort) >"$t/lower.before"

failed=0
for r in $(seq 1 "$rounds"); do
	rm -rf "$t/upper"
	mkdir "$t/upper"
	out=$(UNION_LAYERS="$t/view=$t/upper:$t/lower" LD_PRELOAD="$lib" \
		N=$n bash -c 'cd "$0/view/src" || exit 9
		for i in $(seq 1 "$N"); do sh -c ": >o$i.o" & done
		wait
		for i in $(seq 1 "$N"); do [ -e "o$i.o" ] || echo "missing o$i.o"; done' "$t" 2>&1) ||
		out="$out (rc $?)"
	if [ -n "$out" ]; then
		echo "round $r: $out"
		failed=$((failed + 1))
	fi
done
(cd "$t/lower" && find . -printf '%p %s %T@\n' | sort) | cmp -s - "$t/lower.before" ||
	{ echo "the lower changed" >&2; exit 1; }
echo "$failed of $rounds rounds failed ($n processes a round)"
[ "$failed" = 0 ]
