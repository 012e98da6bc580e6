#!/bin/bash
# removed-cwd-inherited-stat: a program STARTED in a cwd another process removed (the shell's cwd after `rm -rf "$PWD"`: stat, python, find) sees the nlink the kernel gives it: 1 where the kernel's directory was merged (a lower one with entries, whose removal copied it up first, or an upper copy over a lower), the real one for a lower or upper directory alone (removed-cwd-by-other: the same in the process that was there).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	make_small_tree "$1"
	mkf "$1/lower1/pl/sub/f" 644 "pl/sub/f, lower1 only"
	mkf "$1/lower1/pl/g" 644 "pl/g, lower1 only"
	mkf "$1/upper/up/sub/h" 644 "up/sub/h, upper only"
}

action() {
	local d
	# pl: lower1 alone, with entries; d: merged (upper and lowers); up:
	# upper alone; e1: lower1 alone, empty; d2/deeper: lower2 alone,
	# with an entry, removed with its parent.
	for d in pl d up e1 d2/deeper; do
		step "cd \"\$M/$d\" && rm -rf \"\$M/${d%%/*}\" && stat -c '%h %F %a' . && \$PYTHON -c 'import os; print(os.stat(\".\").st_nlink)' && find . -maxdepth 0 -printf '%n %y\n'"
	done
}

compare_kernel_union removed-cwd-inherited-stat setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union removed-cwd-inherited-stat-nobody setup action
un_done
