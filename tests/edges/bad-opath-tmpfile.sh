#!/bin/bash
# bad-opath-tmpfile: O_PATH opens of merged files, directories and symlinks (fstat, *at, fchdir, /proc/self/fd); O_TMPFILE in merged, lower-only and upper-only directories, then linkat to name it; against a kernel overlay.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_edgeprog badcalls

setup() {
	local d=$1
	mkdir -p "$d/upper/dir" "$d/upper/updir" "$d/lower1/dir" "$d/lower1/lowdir"
	echo "in the lower" >"$d/lower1/dir/lowerfile"
	echo "in the upper" >"$d/upper/dir/upperfile"
	echo "lower file" >"$d/lower1/file"
	ln -s file "$d/lower1/link"
	echo "in lowdir" >"$d/lower1/lowdir/x"
}

action() {
	step '"$EDGEPROG/badcalls" opath "$M" file dir link'
	step '"$EDGEPROG/badcalls" tmpfile "$M" dir'
	step '"$EDGEPROG/badcalls" tmpfile "$M" lowdir'
	step '"$EDGEPROG/badcalls" tmpfile "$M" updir'
	step 'ls "$M/dir" "$M/lowdir" "$M/updir"'
}

compare_kernel_union bad-opath-tmpfile setup action
un_done
