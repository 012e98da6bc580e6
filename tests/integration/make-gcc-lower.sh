#!/bin/bash
# make-gcc-lower: make builds a C program whose sources lie in a lower.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_cmd make gcc

setup() {
	local p=$1/lower1/proj
	mkdir -p "$1/upper" "$p" "$1/lower2/proj"
	cat >"$p/Makefile" <<'MK'
prog: main.o util.o
	$(CC) -o $@ main.o util.o
%.o: %.c util.h
	$(CC) -c -o $@ $<
clean:
	rm -f prog *.o
.PHONY: clean
MK
	cat >"$p/main.c" <<'C'
#include <stdio.h>
#include "util.h"
int main(void) { printf("hello %d\n", util()); return 0; }
C
	printf 'int util(void);\n' >"$p/util.h"
	printf '#include "util.h"\nint util(void) { return 42; }\n' >"$1/lower2/proj/util.c"
}

action() {
	step 'cd "$M/proj" && make CC=gcc && ./prog'
	step 'cd "$M/proj" && make CC=gcc'
	step 'cd "$M/proj" && sleep 0.01 && touch util.h && make CC=gcc && ./prog'
	step 'cd "$M/proj" && sed -i s/hello/HELLO/ main.c && make CC=gcc && ./prog'
	step 'cd "$M/proj" && make clean && ls'
	step 'make -C "$M/proj" -j2 CC=gcc --no-print-directory 2>&1 | sort && "$M/proj/prog"'
}

compare_kernel_union make-gcc-lower setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union make-gcc-lower-nobody setup action
un_done
