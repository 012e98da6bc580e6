#!/bin/bash
# read-merged-subdirs: the subdirectories of a merged directory, entered right after its listing: readdir.c tells the directory cache their layers from the two listings (put_subdirs), so that the walk's lstat and open of each stat one layer.  Each kind must come out as the kernel's: upper alone, lower alone, merged, opaque (made again through the union), an upper directory over a lower file, a lower directory whose name a table record hides, one whose upper copy another process removes after the listing.  As root and as nobody.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	local l=$1/lower1 u=$1/upper
	mkf "$u/d/up/u1" 644 "upper alone"
	mkf "$l/d/low/l1" 644 "lower alone"
	mkf "$u/d/both/b-up" 644 "merged, upper"
	mkf "$l/d/both/b-low" 644 "merged, lower"
	mkf "$u/d/opq/o-up" 644 "opaque, upper"
	mkf "$l/d/opq/o-low" 644 "opaque, lower"
	mkf "$u/d/overfile/f-up" 644 "upper directory"
	mkf "$l/d/overfile" 644 "lower file"
	mkf "$l/d/gone/g1" 644 "whited out"
	mkf "$u/d/later/la-up" 644 "removed later, upper"
	mkf "$l/d/later/la-low" 644 "removed later, lower"
}

cat >"$T/walk.py" <<'EOF2'
import os, subprocess, sys
d = sys.argv[1]
print(sorted(os.listdir(d)))
# Another process removes later/ (a whiteout) and makes it again (opaque).
subprocess.run(["sh", "-c", 'rm -rf "$0/later" && mkdir "$0/later" && : > "$0/later/new"', d], check=True)
for name in sorted(os.listdir(d)):
	p = os.path.join(d, name)
	st = os.lstat(p)
	print(name, oct(st.st_mode), st.st_nlink, sorted(os.listdir(p)) if os.path.isdir(p) else "-")
EOF2

action() {
	# (Through the union: opq made opaque, gone whited out.)
	step 'rm -rf "$M/d/opq" "$M/d/gone"; mkdir "$M/d/opq"; : > "$M/d/opq/fresh"'
	step 'find "$M/d" -printf "%y %n %p\n" | sort'
	step '"$PYTHON" -B "$T/walk.py" "$M/d"'
}

compare_kernel_union read-merged-subdirs setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union read-merged-subdirs-nobody setup action
un_done
