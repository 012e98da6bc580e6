#!/bin/bash
# ldd-lower-program: ldd of a program in the union, and the loader run as a program (`ld.so PROG`), under the supervisor (`union run`'s UNION_SUPERVISOR): the program's libraries are listed (and the program run), not the supervisor's own, with LD_LIBRARY_PATH naming merged directories too.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_cmd gcc ldd
# The supervisor beside the library's build tree (tools/union-supervise).
UNION_SUPERVISOR=${UNION_SUPERVISOR:-$(cd "$(dirname "$LIBUNION_SO")/../.." && pwd)/tools/union-supervise}
[ -x "$UNION_SUPERVISOR" ] || skip "no supervisor built: $UNION_SUPERVISOR"
RTLD=$(ls /lib64/ld-linux-x86-64.so.2 2>/dev/null) || skip "no /lib64/ld-linux-x86-64.so.2"
export UNION_SUPERVISOR RTLD

B=$T/build
mkdir -p "$B"
printf 'int foo(void) { return 7; }\n' >"$B/foo.c"
gcc -shared -fPIC -o "$B/libfoo.so" "$B/foo.c"
printf '#include <stdio.h>\nint foo(void);\nint main(void) { printf("foo=%%d\\n", foo()); return 0; }\n' >"$B/prog.c"
gcc -o "$B/prog" "$B/prog.c" -L"$B" -lfoo
chmod -R a+rX "$B"

setup() {
	mkdir -p "$1/upper" "$1/lower1/bin" "$1/lower2/lib"
	cp "$B/prog" "$1/lower1/bin/"
	cp "$B/libfoo.so" "$1/lower2/lib/"
}

# ldd's lines of the program's own library and of libc, without their
# load addresses: LD_PRELOAD adds its libraries under libunion (the
# library, and a sanitizer's runtime with what that needs).  The
# supervisor's own ldd lists neither libfoo nor "not found".
export LDD_FILTER='s/ \(0x[0-9a-f]*\)$//; /libfoo|not found|libc\.so/!d'

action() {
	step 'ldd "$M/bin/prog" | sed -E "$LDD_FILTER"; echo "${PIPESTATUS[0]}"'
	step 'LD_LIBRARY_PATH=$M/lib ldd "$M/bin/prog" | sed -E "$LDD_FILTER"'
	step 'cd "$M/bin" && LD_LIBRARY_PATH=../lib ldd ./prog | sed -E "$LDD_FILTER"'
	step 'cd "$M/bin" && LD_LIBRARY_PATH=$M/lib "$RTLD" ./prog; "$RTLD" --verify ./prog; echo $?'
}

compare_kernel_union ldd-lower-program setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union ldd-lower-program-nobody setup action
un_done
