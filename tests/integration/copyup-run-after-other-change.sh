#!/bin/bash
# copyup-run-after-other-change: one process copies directories up (its directory cache carried over its own copy-ups, dcache.c's run), another process changes a directory between two of them: what the first cached before must not survive its next copy-up.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	local u=$1/upper l=$1/lower1
	mkdir -p "$u" "$l/a" "$l/b" "$l/c/d" "$l/e"
	mkf "$l/c/x" 644 "c/x from the lower"
	mkf "$l/c/d/y" 644 "c/d/y from the lower"
	mkf "$l/e/z" 644 "e/z from the lower"
}

# The tests and echo are builtins: this bash's own lookups and copy-ups;
# rm and mkdir are other processes.  c is replaced by an empty opaque
# directory between the copy of a and the copy of b.
action() {
	stepx <<'EOF'
t() { if [ -e "$1" ]; then echo "yes $1"; else echo "no $1"; fi; }
cd "$M"
t c/x; t c/d/y; t e/z
echo new >a/n1
t c/x; t c/d/y
rm -rf c; mkdir c
echo new >b/n2
t c/x; t c/d/y; t c/d; t e/z; t b/n2
echo new >e/n3
t c/x; t c/d; t e/n3; t e/z
EOF
	step 'listing "$M"'
}

compare_kernel_union copyup-run-after-other-change setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union copyup-run-after-other-change-nobody setup action
un_done
