#!/bin/bash
# copyup-dir-then-lookup-below: one process walks lower directories, copies them up by making names in them, and looks below them again (its own directory cache is carried over its own copy-ups).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	local u=$1/upper l=$1/lower1
	mkdir -p "$u" "$l/a/b/c/d" "$l/a/e"
	mkf "$l/a/b/c/f" 644 "a/b/c/f from the lower"
	mkf "$l/a/b/c/d/g" 644 "a/b/c/d/g from the lower"
	mkf "$l/a/e/h" 644 "a/e/h from the lower"
}

# Every line runs in one bash (builtins: its own lookups), so what it
# cached before each copy-up is what it looks below with after it.
action() {
	stepx <<'EOF'
t() { if [ -e "$1" ]; then echo "yes $1"; else echo "no $1"; fi; }
cd "$M"
t a/b/c/d/g; t a/b/c/f; t a/e/h
echo new >a/b/n1
t a/b/n1; t a/b/c/f; t a/b/c/d/g; t a/b/c/n2
echo new >a/b/c/n2
t a/b/c/n2; t a/b/c/d/g; t a/b/n1
echo new >a/b/c/d/n3
t a/b/c/d/n3; t a/b/c/d/g; t a/e/h
echo new >a/e/n4
t a/e/n4; t a/e/h; t a/b/c/d/n3
read -r x <a/b/c/d/n3; echo "read $x"
EOF
	step 'listing "$M"'
}

compare_kernel_union copyup-dir-then-lookup-below setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union copyup-dir-then-lookup-below-nobody setup action
un_done
