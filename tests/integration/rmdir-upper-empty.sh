#!/bin/bash
# rmdir-upper-empty: rmdir of empty directories only the upper holds: gone with no whiteout; made again, not opaque.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	make_small_tree "$1"
	mkd "$1/upper/eu"
}

action() {
	step 'mkdir "$M/new"; rmdir "$M/new"; names "$M"; ls "$M/new"'
	step 'rmdir "$M/eu"; rm "$M/du/in-du"; rmdir "$M/du"; names "$M"'
	step 'mkdir "$M/d2/deeper/made"; rmdir "$M/d2/deeper/made"; names "$M/d2/deeper"'
	step 'mkdir "$M/du" "$M/eu"; touch "$M/du/x"; names "$M/du"; names "$M/eu"'
}

# No whiteout for names no lower holds, and the new directories are not opaque.
check() {
	local n
	for n in new d2/deeper/made; do
		if [ -e "$2/upper/$n" ] || [ -L "$2/upper/$n" ]; then
			fail "$1: upper/$n is left (a whiteout where no lower has the name?)"
		fi
	done
	if [ "$1" = kernel ]; then
		for n in du eu; do
			[ -z "$(getfattr --only-values -n trusted.overlay.opaque "$2/upper/$n" 2>/dev/null)" ] ||
				fail "kernel: upper/$n is opaque"
		done
	else
		whiteout_records "$2" | grep -E ' (new|eu|du|d2/deeper/made)$' &&
			fail "union: records for names no lower holds"
	fi
	return 0
}

compare_kernel_union rmdir-upper-empty setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union rmdir-upper-empty-nobody setup action check
un_done
