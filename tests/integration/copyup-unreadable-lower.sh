#!/bin/bash
# copyup-unreadable-lower: lower objects their owner (the user) may not read: an empty 0200 or 0000 file is copied up as the kernel copies it (chmod, truncate, open for writing, utime); a 0300 directory takes new names; a non-empty unreadable file answers EACCES at copy-up, DESIGN.md's one listed difference, and leaves nothing in the upper (issue 11, item 11).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	mkdir -p "$1/upper" "$1/lower1"
	local l=$1/lower1 f
	for f in e1 e2 e3 e4; do
		: >"$l/$f"
		chmod 200 "$l/$f"
	done
	: >"$l/e0"
	chmod 000 "$l/e0"
	mkf "$l/d/x" 644 "d/x"
	chmod 300 "$l/d"
	mkf "$l/full" 200 "not empty"
}

action() {
	step '"$TESTPROG/sysop" chmod "$M/e0" 600 -- chmod "$M/e1" 644 -- truncate "$M/e2" 3 -- open "$M/e3" wronly -- write "$M/e3" abc -- utimens "$M/e4" 5 0 -- stat "$M/e0" -- stat "$M/e1" -- stat "$M/e2" -- stat "$M/e3" -- stat "$M/e4"'
	step '"$TESTPROG/sysop" open "$M/d/new" wronly,creat 600 -- write "$M/d/x" X -- stat "$M/d" -- stat "$M/d/new"; cat "$M/e3"'
}

compare_kernel_union copyup-unreadable-lower setup action
UN_AS=nobody UN_NOBODY_LOWERS=both compare_kernel_union copyup-unreadable-lower-nobody setup action

# The difference DESIGN.md lists: a non-empty file its owner may not read
# cannot be copied up by that owner (the kernel reads with the mounter's
# credentials), and nothing of it reaches the upper.
setup "$T/diff"
chown -R 65534:65534 "$T/diff"
mkdir -p "$T/diff/m"
out=$(cd "$T" && as_nobody env UNION_LAYERS="$(un_spec "$T/diff/m" "$T/diff/upper" "$T/diff/lower1")" \
	LD_PRELOAD="$LIBUNION" "$TESTPROG/sysop" chmod "$T/diff/m/full" 600 -- \
	open "$T/diff/m/full" wronly -- truncate "$T/diff/m/full" 0 2>&1)
expect_eq "a non-empty unreadable file: EACCES at copy-up" \
	"chmod $T/diff/m/full 600: EACCES
open $T/diff/m/full wronly: EACCES
truncate $T/diff/m/full 0: EACCES" "$out"
expect_eq "nothing of it in the upper" "" "$(upper_names "$T/diff")"
un_done
