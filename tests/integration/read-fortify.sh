#!/bin/bash
# read-fortify: path calls from a program built with -D_FORTIFY_SOURCE=2 -D_FILE_OFFSET_BITS=64 and from one built plainly.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog pathprobe-plain pathprobe-fortify

setup() { make_rich_tree "$1"; }

NAMES='common.txt dir rel-link abs-link dangling loop-a secret.txt shape1 shape2 shape3 dirlink abs-dirlink "name with spaces.txt" nope dir/sub hl-a emptydir private common.txt/x'

action() {
	step "\"\$TESTPROG/pathprobe-plain\" \"\$M\" $NAMES"
	step "\"\$TESTPROG/pathprobe-fortify\" \"\$M\" $NAMES"
	step "cd \"\$M/dir\" && \"\$TESTPROG/pathprobe-fortify\" .. common.txt dir"
}

compare_kernel_union read-fortify setup action
UN_AS=nobody compare_kernel_union read-fortify-nobody setup action
un_done
