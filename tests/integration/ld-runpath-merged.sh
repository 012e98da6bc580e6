#!/bin/bash
# ld-runpath-merged: a program in the union whose RUNPATH (or RPATH) is $ORIGIN/../lib, after its library was rebuilt in the union (the upper's copy): the kernel's loader takes the upper's, libunion's the lower's beside the program's real copy ($ORIGIN is the real directory).  XFAIL (session 19, ldpre19: README, Known limits).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_cmd gcc
# (An expected failure against the kernel: the sanitizer pass's
# libunion side alone would pass it, an XPASS there.)
[ "${UN_UNION_ONLY:-0}" != 1 ] ||
	skip "an expected failure against the kernel: nothing to compare without it"

# libfoo in two versions; prog with DT_RUNPATH, progr with DT_RPATH.
B=$T/build
mkdir -p "$B"
for v in 1 9; do
	printf 'int foo(void) { return %s; }\n' "$v" >"$B/foo$v.c"
	gcc -shared -fPIC -o "$B/libfoo$v.so" "$B/foo$v.c" -Wl,-soname,libfoo.so
done
cp "$B/libfoo1.so" "$B/libfoo.so"
printf '#include <stdio.h>\nint foo(void);\nint main(void) { printf("foo=%%d\\n", foo()); return 0; }\n' >"$B/prog.c"
gcc -o "$B/prog" "$B/prog.c" -L"$B" -lfoo '-Wl,-rpath,$ORIGIN/../lib' -Wl,--enable-new-dtags
gcc -o "$B/progr" "$B/prog.c" -L"$B" -lfoo '-Wl,-rpath,$ORIGIN/../lib' -Wl,--disable-new-dtags
chmod -R a+rX "$B"

setup() {
	mkdir -p "$1/upper" "$1/lower1/lib" "$1/lower1/bin"
	cp "$B/libfoo1.so" "$1/lower1/lib/libfoo.so"
	cp "$B/prog" "$B/progr" "$1/lower1/bin/"
}

action() {
	step '"$M/bin/prog"; "$M/bin/progr"'
	step 'cp "$T/build/libfoo9.so" "$M/lib/libfoo.so" && "$M/bin/prog"; "$M/bin/progr"'
}

compare_kernel_union ld-runpath-merged setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union ld-runpath-merged-nobody setup action
un_done
