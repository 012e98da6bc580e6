#!/bin/bash
# listing-lower-unsearchable: a merged directory whose lower copy the user may read but not search (mode 0644, theirs), listed and then walked into: readdir.c tells the directory cache its subdirectories' layers after a listing (put_subdirs), and for an unprivileged user it may count the lower's copies only when it may search there (faccessat), or the walk after a listing answers otherwise than the same lookups without it.  (The kernel, reading its lowers with the mounter's rights, answers otherwise still: DESIGN.md's documented difference; this checks the library against itself.)
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
is_root || skip "needs root (to run as nobody, who owns the lowers)"

D=$T/layers
M=$T/m
mkdir -p "$D/upper/d/a" "$D/upper/d/b" "$D/lower/d/a" "$D/lower/d/b" "$M"
: >"$D/upper/d/a/up-a"
: >"$D/upper/d/b/up-b"
: >"$D/lower/d/a/low-a"
: >"$D/lower/d/b/low-b"
chown -R 65534:65534 "$D"
chmod 0644 "$D/lower/d"
chmod 0755 "$T"
lowers_snapshot "$D/lower"

cat >"$T/walk.py" <<'EOF2'
import os, sys
m = sys.argv[1]
if sys.argv[2] == "listed":
	print(sorted(os.listdir(m + "/d")))
for s in ("a", "b"):
	p = m + "/d/" + s
	try:
		print(s, os.lstat(p).st_nlink, sorted(os.listdir(p)))
	except OSError as e:
		print(s, os.strerror(e.errno))
EOF2

walk() {
	un_run "$M" "$D/upper" "$D/lower" -- \
		setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$PYTHON" -B "$T/walk.py" "$M" "$1" 2>&1 | grep -v '^\['
}
expect_eq "the walk after a listing of d, as without it" \
	"$(walk fresh)" "$(walk listed)"
lowers_check
un_done
