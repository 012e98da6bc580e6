#!/bin/bash
# access-lower: access(): R_OK W_OK X_OK on lower files and directories (as root and as 65534).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	make_small_tree "$1"
	mkf "$1/lower2/noperm" 000 "noperm"
	mkd "$1/lower2/closed" 555
	mkf "$1/lower2/closed/inside" 444 "inside"
	if [ "${UN_AS:-root}" = root ]; then
		mkf "$1/lower2/secret" 600 "secret"
		mkd "$1/lower2/owner-only" 500
	fi
}

action() {
	stepx <<'SH'
cd "$M" && for p in f1 f2 ro exe d e1 du link-f1 link-d closed closed/inside noperm secret owner-only nope; do
	"$TESTPROG/sysop" access "$p" r -- access "$p" w -- access "$p" x -- access "$p" f
done
SH
	step 'for p in f1 ro exe d closed; do test -w "$M/$p" && echo "$p writable" || echo "$p not writable"; done'
	step 'echo x > "$M/closed/new"; mkdir "$M/closed/nd"; ls -A "$M/closed"'
}

compare_kernel_union access-lower setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union access-lower-nobody setup action
un_done
