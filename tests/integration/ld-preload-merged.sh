#!/bin/bash
# ld-preload-merged: LD_PRELOAD naming a library in the union (`LD_PRELOAD=$PWD/libx.so prog`, absolute, relative, through a symlink): the loader, which opens it before libunion is loaded, finds the layer's copy (the upper's after a copy-up; none after a delete, "cannot be preloaded" as over the kernel's overlay), and the program sees its own value.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_cmd gcc

# libpre says which copy the loader took: lower1's, or the one the
# union's copy-up replaced it by.
B=$T/build
mkdir -p "$B"
for v in 1 9; do
	printf '#include <stdio.h>\n__attribute__((constructor)) static void hi(void) { fprintf(stderr, "preloaded %s\\n"); }\n' "$v" >"$B/pre$v.c"
	gcc -shared -fPIC -o "$B/libpre$v.so" "$B/pre$v.c"
done
chmod -R a+rX "$B"

# A sanitizer build's library needs the ASan runtime first: a step's own
# LD_PRELOAD then starts with the whole list (the library first in it
# is left where it is); empty over the kernel.
PF=${UN_PRELOAD_FIRST:+$LIBUNION:}
export PF

setup() {
	mkdir -p "$1/upper" "$1/lower1/lib"
	cp "$B/libpre1.so" "$1/lower1/lib/libpre.so"
}

action() {
	step 'LD_PRELOAD=$PF$M/lib/libpre.so /bin/true'
	step 'cd "$M" && LD_PRELOAD=${PF}lib/libpre.so /bin/true; LD_PRELOAD="${PF}libnone.so:./lib//libpre.so" /bin/true'
	step 'ln -s lib/libpre.so "$M/libl.so" && LD_PRELOAD=$PF$M/libl.so /bin/true'
	step 'LD_PRELOAD=$PF$M/lib/libpre.so bash -c "echo \"\${LD_PRELOAD##*:}\"; env | grep -c ^UNION_LD_; /bin/true"'
	step 'cp "$T/build/libpre9.so" "$M/lib/libpre.so" && LD_PRELOAD=$PF$M/lib/libpre.so /bin/true'
	step 'rm "$M/lib/libpre.so" && LD_PRELOAD=$PF$M/lib/libpre.so /bin/true'
}

compare_kernel_union ld-preload-merged setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union ld-preload-merged-nobody setup action
un_done
