#!/bin/bash
# listing-ls-la-calls: `ls -la` of a merged directory makes about the
# system calls the kernel's overlay makes for it: per name a statx and
# two getxattr, no lookup of the name again before each (bench/README.md
# "Session 7 (stat)": 1,606 calls for 220 names before, 947 after, the
# kernel 868).  Counted with strace; the semantics of the same calls are
# statx-then-xattr-other-change's.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_cmd ls
need_strace

N=60
mkdir -p "$T/lower/d/sub" "$T/upper/d" "$T/lower/e" "$T/upper/e"
for i in $(seq 1 $N); do echo x >"$T/lower/d/f$i"; done
for i in $(seq 1 10); do echo y >"$T/upper/d/u$i"; done
ln -s f1 "$T/lower/d/link"
names=$((N + 10 + 2 + 2))	# and sub, link, '.', '..'

# The stat and xattr calls of `ls -la DIR` in the union.
count() {
	count_calls -c "$T/calls" "$T/view" "$T/upper" "$T/lower" -- \
		ls -la "$T/view/$1" >"$T/ls.out"
	awk '$1 ~ /^(statx|newfstatat|lstat|stat|lgetxattr|getxattr)$/ {
		n += $2 } END { print n + 0 }' "$T/calls"
}
# What ls and the library's start cost whatever the directory holds
# (the tables made at the first call: the upper is fresh), then the
# directory: one statx and two getxattr a name, as the kernel.
base=$(count e)
counted=$(count d)
grep -q ' f60$' "$T/ls.out" || fail "ls -la did not list the directory"
per=$((counted - base))
# (A quarter of a call a name of slack: the whole make check at load 12
# counted 225 where a run alone counts 214; a name looked up again before
# its statx or each getxattr costs a call a name more: 285 and 358.)
limit=$((3 * (names - 2) + 8 + (names - 2) / 4))
if [ "$per" -le "$limit" ]; then
	printf 'ok: %s stat and xattr calls for %s names (at most %s)\n' \
		"$per" "$names" "$limit"
else
	fail "$per stat and xattr calls for $names names (at most $limit): names looked up again"
	cat "$T/calls" >&2
fi
un_done
