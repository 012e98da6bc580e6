#!/bin/bash
# read-multi-lower: five lowers: shadowing across non-adjacent layers, files over directories and back.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	local d=$1
	mkdir -p "$d/upper" "$d"/lower{1,2,3,4,5}
	mkf "$d/lower5/x" 644 "x from lower5"
	mkf "$d/lower5/d/a5" 644 "d/a5 from lower5"
	mkf "$d/lower5/t/t5" 644 "t/t5 from lower5"
	mkf "$d/lower5/only5" 600 "only5"
	mkf "$d/lower5/m/deep/m5" 644 "m/deep/m5"
	mkf "$d/lower4/x" 644 "x from lower4"
	mkf "$d/lower4/d/a4" 644 "d/a4 from lower4"
	mkf "$d/lower4/t" 644 "t: a file in lower4 over lower5's directory"
	mkf "$d/lower4/m/deep/m4" 644 "m/deep/m4"
	mkf "$d/lower3/d" 644 "d: a file in lower3 over lower4's and lower5's directories"
	mkf "$d/lower3/y/y3" 644 "y/y3 from lower3"
	mkf "$d/lower3/m/m3" 755 "m/m3"
	mkf "$d/lower2/d/a2" 644 "d/a2: a directory in lower2 over lower3's file"
	mkf "$d/lower2/t/t2" 644 "t/t2: a directory in lower2 over lower4's file"
	mkf "$d/lower2/x" 444 "x from lower2"
	mkd "$d/lower2/m/deep"
	mkf "$d/lower1/y/y1" 644 "y/y1 from lower1"
	mkl ../x "$d/lower1/y/to-x"
	mkf "$d/lower1/m/deep/m1" 644 "m/deep/m1"
	mkf "$d/upper/z" 644 "z from upper"
	mkd "$d/upper/m/deep"
}

action() {
	step 'find "$M" -printf "%y %m %P\n" | sort'
	step 'cat "$M/x" "$M/d/a2" "$M/t/t2" "$M/y/y1" "$M/y/y3" "$M/y/to-x" "$M/m/m3" "$M/m/deep/m1" "$M/m/deep/m4" "$M/m/deep/m5"'
	step 'ls "$M/d" "$M/t" "$M/m/deep"; cat "$M/d/a4" "$M/t/t5"'
	step 'stat -c "%n %F %h" "$M/d" "$M/t" "$M/y" "$M/m" "$M/m/deep"'
	step 'cd "$M/m/deep" && ls && cd ../.. && ls'
	step 'echo new > "$M/m/deep/m5"; cat "$M/m/deep/m5"; rm "$M/m/deep/m4"; ls "$M/m/deep"'
}

compare_kernel_union read-multi-lower setup action
un_done
