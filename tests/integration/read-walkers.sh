#!/bin/bash
# read-walkers: what scandir, nftw, ftw, fts and glob see (tests/prog/walkers).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog walkers

setup() { make_rich_tree "$1"; }

action() {
	step '"$TESTPROG/walkers" "$M"'
	step 'cd "$M" && "$TESTPROG/walkers" .'
	step '"$TESTPROG/walkers" "$M/dir"'
	step '"$TESTPROG/walkers" "$M/dirlink"'
}

compare_kernel_union read-walkers setup action
un_done
