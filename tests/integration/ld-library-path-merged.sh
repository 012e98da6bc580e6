#!/bin/bash
# ld-library-path-merged: LD_LIBRARY_PATH naming merged directories (libtool's uninstalled programs, `LD_LIBRARY_PATH=$PWD/lib ./prog`): the loader, which opens the libraries before libunion is loaded, finds them in every layer, upper first, and the program sees its own value.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_cmd gcc

# The libraries and the program, built once: libfoo in three versions
# (lower1's hides lower2's, the upper's replaces both), libonly2 in
# lower2 alone; prog needs both and has no RUNPATH.
B=$T/build
mkdir -p "$B"
for v in 1 2 9; do
	printf 'int foo(void) { return %s; }\n' "$v" >"$B/foo$v.c"
	gcc -shared -fPIC -o "$B/libfoo$v.so" "$B/foo$v.c" -Wl,-soname,libfoo.so
done
printf 'int only2(void) { return 2; }\n' >"$B/only2.c"
gcc -shared -fPIC -o "$B/libonly2.so" "$B/only2.c"
cp "$B/libfoo1.so" "$B/libfoo.so"
cat >"$B/prog.c" <<'C'
#include <stdio.h>
int foo(void);
int only2(void);
int main(void) { printf("foo=%d only2=%d\n", foo(), only2()); return 0; }
C
gcc -o "$B/prog" "$B/prog.c" -L"$B" -lfoo -lonly2
chmod -R a+rX "$B"

setup() {
	mkdir -p "$1/upper" "$1/lower1/lib" "$1/lower1/bin" "$1/lower2/lib"
	cp "$B/libfoo1.so" "$1/lower1/lib/libfoo.so"
	cp "$B/libfoo2.so" "$1/lower2/lib/libfoo.so"
	cp "$B/libonly2.so" "$1/lower2/lib/"
	cp "$B/prog" "$1/lower1/bin/"
}

action() {
	step 'LD_LIBRARY_PATH=$M/lib $M/bin/prog'
	step 'cd "$M" && LD_LIBRARY_PATH=lib bin/prog; LD_LIBRARY_PATH=/nonexistent:$M/lib/ bin/prog'
	step 'ln -s lib "$M/libs" && LD_LIBRARY_PATH="$M/libs" "$M/bin/prog"'
	step 'LD_LIBRARY_PATH=$M/lib bash -c "echo \"\$LD_LIBRARY_PATH\"; env | grep -c ^UNION_LD_; \"$M/bin/prog\""'
	step 'LD_LIBRARY_PATH=$M/lib $PYTHON -c "import ctypes; print(ctypes.CDLL(\"libonly2.so\").only2())"'
	step 'cp "$T/build/libfoo9.so" "$M/lib/libfoo.so" && LD_LIBRARY_PATH=$M/lib $M/bin/prog'
	step 'rm -r "$M/lib" && mkdir "$M/lib" && cp "$T/build/libfoo9.so" "$M/lib/libfoo.so" && LD_LIBRARY_PATH=$M/lib $M/bin/prog'
}

compare_kernel_union ld-library-path-merged setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union ld-library-path-merged-nobody setup action
un_done
