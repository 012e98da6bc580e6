#!/bin/bash
# read-subdirs-calls: a merged directory of 120 merged subdirectories,
# listed, then each subdirectory lstat'ed (os.listdir then os.lstat, as
# a walk does): the listing told the directory cache every subdirectory's
# layers (readdir.c put_subdirs), so each lstat asks the upper alone.
# The cache was direct-mapped: about a fifth of the 120 were pushed out
# by a later one of the same listing before their lstat, which then
# asked both layers (bench/README.md "Session 11 (walks)"); eight ways
# a set keep them.  Counted with strace; the answers themselves are
# read-merged-subdirs' (compared with the kernel).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_strace

N=120
cat >"$T/walk.py" <<'EOF2'
import os, sys
d = sys.argv[1]
names = os.listdir(d)
# (Marks in the trace: the lstats between them are the walk's.)
os.access("/walk-begin", os.F_OK)
n = sum(1 for x in names if os.path.isdir(os.path.join(d, x)) and
	os.lstat(os.path.join(d, x)))
os.access("/walk-end", os.F_OK)
print(n)
EOF2

# walk_calls DIR: the layers built in DIR, the walk run; prints the
# number of stat calls between the marks.
walk_calls() {
	local d=$1 i
	mkdir -p "$d/view" "$d/upper" "$d/lower"
	for i in $(seq -w 1 $N); do
		mkdir -p "$d/upper/d/s$i" "$d/lower/d/s$i"
		: >"$d/upper/d/s$i/u"
		: >"$d/lower/d/s$i/l"
	done
	count_calls -e newfstatat,statx,lstat,stat,access,faccessat,faccessat2 \
		"$d/trace" "$d/view" "$d/upper" "$d/lower" -- \
		"$PYTHON" -B "$T/walk.py" "$d/view/d" >"$d/out"
	[ "$(cat "$d/out")" = "$N" ] ||
		fail "the walk saw $(cat "$d/out") subdirectories, not $N"
	sed -n '/walk-begin/,/walk-end/p' "$d/trace" |
		grep -cE '^[0-9]+ +(newfstatat|statx|lstat|stat)\(' || true
}

# isdir (a stat) and lstat of each: 2 calls a subdirectory when the
# cache knows it, 4 when it does not.  Eight ways a set overflow for
# one or two of the 120 at most; direct-mapped, ~24 (the names hash
# the temporary path: it varies from run to run).  Now and then (1 run
# in 10 or so under a loaded make check) a run of the eight-way cache
# has lost a dozen: a second layout, at another path (other hashes),
# tells that from the direct-mapped cache, which loses ~24 in each.
limit=$((2 * N + 2 * 10))
for try in 1 2; do
	n=$(walk_calls "$T/try$try")
	[ "$n" -gt "$limit" ] || [ "$n" -lt "$((2 * N))" ] || break
	printf 'note: try %s: %s stat calls (over %s)\n' "$try" "$n" "$limit"
done
if [ "$n" -le "$limit" ] && [ "$n" -ge "$((2 * N))" ]; then
	printf 'ok: %s stat calls for %s merged subdirectories (at most %s)\n' \
		"$n" "$N" "$limit"
else
	sed -n '/walk-begin/,/walk-end/p' "$T/try2/trace" | head -40 >&2
	fail "$n stat calls for $N merged subdirectories (between $((2 * N)) and $limit), twice: the listing's subdirectories were pushed out of the cache"
fi
un_done
