#!/bin/bash
# tar-x-into: tar -x into the merged view, over lower files and directories.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	make_small_tree "$1"
	local s=$1/srcdir
	mkf "$s/d/x2" 600 "x2 from the archive"
	mkf "$s/d/newfile" 644 "new from the archive"
	mkf "$s/f1" 755 "f1 from the archive"
	mkd "$s/d2" 700
	mkf "$s/newdir/a" 644 "newdir/a"
	ln "$s/newdir/a" "$s/newdir/a-hard"
	mkl ../f1 "$s/newdir/to-f1"
	mkf "$s/e1/inside" 644 "into the empty lower dir"
	tar -C "$s" --sort=name --owner=0 --group=0 --numeric-owner \
		--mtime=@1500000000 -cf "$1/src.tar" .
	rm -rf "$s"
}

action() {
	step 'tar -C "$M" -xf "$L/src.tar"; listing "$M"'
	step 'tar -C "$M" -xf "$L/src.tar"; listing "$M" | sha256sum'
	step 'tar -C "$M" -xf "$L/src.tar" --keep-old-files 2>&1 | sort'
	step 'tar -C "$M" -cf - d | tar -tf - | sort'
	step 'mkdir "$M/x" && tar -C "$M/x" -xpf "$L/src.tar" && listing "$M/x"'
	step 'stat -c "%n %a %Y" "$M/d2" "$M/f1" "$M/d/x2"'
}

compare_kernel_union tar-x-into setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union tar-x-into-nobody setup action
un_done
