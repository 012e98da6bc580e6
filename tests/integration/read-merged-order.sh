#!/bin/bash
# read-merged-order: a merged directory of ~180 names (the listing's set grows past its first slots), shadowed, whited out (lower 0/0 devices, and rm through the union) and added to: the unsorted listing, each name once in the kernel's order.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_kernel_overlay

# Names of 1 to 40 bytes (the hash's word and tail paths).
names() {
	local i
	for i in $(seq "$1" "$2"); do
		printf 'n%0*d\n' $((i % 40)) "$i"
	done
}

setup() {
	local d=$1 n
	mkdir -p "$d/upper/big" "$d/lower1/big" "$d/lower2/big"
	for n in $(names 1 120); do : > "$d/lower2/big/$n"; done
	for n in $(names 80 160); do : > "$d/lower1/big/$n"; done
	for n in $(names 140 180); do : > "$d/upper/big/$n"; done
	mkdir "$d/lower1/big/sub" "$d/lower2/big/sub"
	# lower1 hides some of lower2's names (overlayfs whiteouts).
	for n in $(names 10 40); do rm -f "$d/lower1/big/$n"; mknod "$d/lower1/big/$n" c 0 0; done
}

action() {
	step 'ls -f "$M/big"'
	step '"$PYTHON" -c "import os,sys; l=os.listdir(sys.argv[1]); print(len(l), len(set(l)))" "$M/big"'
	step 'rm "$M/big/n00005" "$M/big/n00000000000000000100" "$M/big/n0000000170"; : > "$M/big/fresh"; ls -f "$M/big"'
	step 'find "$M/big" -maxdepth 1 | wc -l'
}

compare_kernel_union read-merged-order setup action
un_done
