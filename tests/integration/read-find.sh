#!/bin/bash
# read-find: find over the merged view: names, types, link counts, tests.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_rich_tree "$1"; }

action() {
	step 'find "$M" | sort'
	# %n of a directory: 1 where several layers merge, as the kernel says.
	step 'find "$M" -printf "%y %m %n %P -> %l\n" | sort'
	step 'find "$M" -type f | sort; find "$M" -type d -empty | sort'
	step 'find -L "$M" -type d 2>&1 | sort'
	step 'find "$M" -xtype l | sort; find -L "$M" -type l 2>&1 | sort'
	step 'cd "$M" && find . -name "*.txt" | sort && find dir -maxdepth 1 | sort'
	step 'find "$M" -perm -u+x -type f | sort; find "$M" -links 2 -type f | sort'
	step 'find "$M" -samefile "$M/hl-a" | sort; find "$M" -inum "$(stat -c %i "$M/only3.txt")" -printf "%P\n"'
	step 'find "$M/dir" -depth -printf "%d %P\n"'
	step 'find "$M" -maxdepth 1 -newer "$M/common.txt" | sort; find "$M" -name nothing; find "$M/nope"'
	step 'find "$M" -maxdepth 2 -printf "%y %P\n" -o -prune | sort'
}

UN_MERGED_ABSENT=1 compare_kernel_union read-find setup action
un_done
