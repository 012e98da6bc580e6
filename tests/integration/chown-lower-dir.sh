#!/bin/bash
# chown-lower-dir: chown (as root) of lower and merged directories: copied up with the new owner, contents still merged; parents copied up keep their owners.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	make_small_tree "$1"
	mkf "$1/lower1/owned/sub/leaf" 644 "leaf"
	chown -R 1000:1001 "$1/lower1/owned"
	chmod 750 "$1/lower1/owned"
}

action() {
	step 'chown 100:200 "$M/d2"; st "$M/d2"; names "$M/d2"; cat "$M/d2/only2"'
	step 'chown 5:6 "$M/d"; st "$M/d"; names "$M/d"'
	step 'chown 7:8 "$M/owned/sub"; st "$M/owned" "$M/owned/sub" "$M/owned/sub/leaf"'
	step 'chown -h 9:9 "$M/link-d"; st "$M/link-d" "$M/d"; chown 10:10 "$M/link-d"; st "$M/link-d" "$M/d"'
	step '"$TESTPROG/sysop" chown "$M/e1" 11 12 -- chown "$M/nope" 1 1 -- chown "$M/e1/nope" 1 1 -- chown "$M/e2" -1 13 -- stat "$M/e2"; st "$M/e1" "$M/e2"'
}

compare_kernel_union chown-lower-dir setup action
un_done
