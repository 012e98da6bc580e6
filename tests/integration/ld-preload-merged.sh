#!/bin/bash
# ld-preload-merged: LD_PRELOAD naming a library in the union (`LD_PRELOAD=$PWD/libx.so prog`, absolute and relative): the loader opens it before libunion is loaded.  XFAIL: the loader says "cannot be preloaded" (README, Known limits); ld-library-path-merged did the same for LD_LIBRARY_PATH.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_cmd gcc
# (An expected failure against the kernel: the sanitizer pass's
# libunion side alone would pass it, an XPASS there.)
[ "${UN_UNION_ONLY:-0}" != 1 ] ||
	skip "an expected failure against the kernel: nothing to compare without it"

B=$T/build
mkdir -p "$B"
printf '#include <stdio.h>\n__attribute__((constructor)) static void hi(void) { fprintf(stderr, "preloaded\\n"); }\n' >"$B/pre.c"
gcc -shared -fPIC -o "$B/libpre.so" "$B/pre.c"
chmod -R a+rX "$B"

setup() {
	mkdir -p "$1/upper" "$1/lower1/lib"
	cp "$B/libpre.so" "$1/lower1/lib/"
}

action() {
	step 'LD_PRELOAD=$M/lib/libpre.so /bin/true'
	step 'cd "$M" && LD_PRELOAD=lib/libpre.so /bin/true'
}

compare_kernel_union ld-preload-merged setup action
un_done
