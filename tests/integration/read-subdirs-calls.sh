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
mkdir -p "$T/view" "$T/upper" "$T/lower"
for i in $(seq -w 1 $N); do
	mkdir -p "$T/upper/d/s$i" "$T/lower/d/s$i"
	: >"$T/upper/d/s$i/u"
	: >"$T/lower/d/s$i/l"
done
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

count_calls -e newfstatat,statx,lstat,stat,access,faccessat,faccessat2 \
	"$T/trace" "$T/view" "$T/upper" "$T/lower" -- \
	"$PYTHON" -B "$T/walk.py" "$T/view/d" >"$T/out"
[ "$(cat "$T/out")" = "$N" ] ||
	fail "the walk saw $(cat "$T/out") subdirectories, not $N"
# isdir (a stat) and lstat of each: 2 calls a subdirectory when the
# cache knows it, 4 when it does not.  Eight ways a set overflow for
# one or two of the 120 at most; direct-mapped, ~24 (the names hash
# the temporary path: it varies from run to run).
n=$(sed -n '/walk-begin/,/walk-end/p' "$T/trace" |
	grep -cE '^[0-9]+ +(newfstatat|statx|lstat|stat)\(' || true)
limit=$((2 * N + 2 * 10))
if [ "$n" -le "$limit" ] && [ "$n" -ge "$((2 * N))" ]; then
	printf 'ok: %s stat calls for %s merged subdirectories (at most %s)\n' \
		"$n" "$N" "$limit"
else
	sed -n '/walk-begin/,/walk-end/p' "$T/trace" | head -40 >&2
	fail "$n stat calls for $N merged subdirectories (between $((2 * N)) and $limit): the listing's subdirectories were pushed out of the cache"
fi
un_done
