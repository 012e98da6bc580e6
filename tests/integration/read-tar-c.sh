#!/bin/bash
# read-tar-c: tar archives of the merged view, byte for byte.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_rich_tree "$1"; }

TAR='tar --sort=name --numeric-owner'

action() {
	step "$TAR -C \"\$M\" -cf - . | tar -tvf -"
	step "$TAR -C \"\$M\" -cf - . | sha256sum"
	step "$TAR -C \"\$M\" -cf - dir shape2 shape3 | tar -tf -"
	step "$TAR -C \"\$M\" -chf - abs-dirlink dirlink rel-link 2>&1 | tar -tvf -"
	step "$TAR -C \"\$M\" -cf - dangling loop-a nope 2>&1 | tar -tf -"
	step "cd \"\$M/dir\" && $TAR -cf - . ../common.txt 2>&1 | tar -tvf -"
	step "d=\$(mktemp -d) && $TAR -C \"\$M\" -cf - . | tar -C \"\$d\" -xf - && listing -o \"\$d\"; rm -rf \"\$d\""
}

compare_kernel_union read-tar-c setup action
un_done
