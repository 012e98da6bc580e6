#!/bin/bash
# read-grep-r: recursive grep over the merged view.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_rich_tree "$1"; }

action() {
	step 'grep -r lower "$M" | sort'
	step 'grep -rl --include="*.txt" from "$M" | sort'
	step 'grep -R lower3 "$M" 2>&1 | sort'
	step 'grep -rc upper "$M" | sort'
	step 'cd "$M" && grep -rn "dir/" . | sort; grep -rL lower . | sort'
	step 'grep -rs secret "$M" | sort; grep -r "in a 0700" "$M"; echo "status $?"'
	step 'grep -rh --exclude-dir=dir common "$M" | sort'
}

compare_kernel_union read-grep-r setup action
un_done
