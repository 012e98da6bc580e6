#!/bin/bash
# rm-rf-ro-tree: real programs over lower trees of 0555 directories and 0444 files (a read-only source tree, a Go module cache, an unpacked tarball), as root and as the user who owns the lowers: chmod u+w then rm -rf, chmod -R u+w then rm -rf, cp -a into and mv out of the writable parts of 0555 directories, python's shutil.rmtree with an onerror that chmods (issue 11).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

# A read-only tree at DIR (files 0444, directories 0555, set last).
ro_tree() {
	mkf "$1/a/b/c.go" 444 "package b"
	mkf "$1/a/d.txt" 444 "d"
	mkf "$1/e/f/g" 444 "g"
	mkl ../d.txt "$1/a/b/link"
	mkd "$1/e/empty"
	find "$1" -type d -exec chmod 555 {} +
}

setup() {
	mkdir -p "$1/upper" "$1/lower1" "$1/lower2"
	ro_tree "$1/lower1/t"
	ro_tree "$1/lower2/t"
	mkf "$1/lower2/t/only2/h" 444 "h"
	chmod 555 "$1/lower2/t/only2" "$1/lower2/t"
	ro_tree "$1/lower1/t2"
	ro_tree "$1/lower2/t3"
	ro_tree "$1/lower1/mod"
	mkd "$1/lower1/mod/w" 755
	mkf "$1/lower1/mod/w/x" 644 "x"
	chmod 555 "$1/lower1/mod"
	ro_tree "$1/src"
}

action() {
	step 'rm -rf "$M/t" 2>&1 | sort; ls "$M"'
	step 'chmod u+w "$M/t" && rm -rf "$M/t" 2>&1 | sort; ls "$M"'
	step 'chmod -R u+w "$M/t" && rm -rf "$M/t"; echo $?; ls "$M"'
	step 'chmod -R u+w "$M/t2"; find "$M/t2" -printf "%m %y %P\n" | sort -k3; rm -r "$M/t2"; ls "$M"'
	step '"$PYTHON" -c "
import os, shutil, stat, sys
def onerror(func, path, exc):
    os.chmod(os.path.dirname(path), 0o755)
    func(path)
shutil.rmtree(sys.argv[1], onerror=onerror)
print(os.path.exists(sys.argv[1]))
" "$M/t3"; ls "$M"'
	step 'cp -a "$L/src" "$M/mod/w/src" && find "$M/mod/w" -printf "%m %y %P\n" | sort -k3'
	step 'cp -a "$L/src/a" "$M/mod/new" 2>&1; cp -a "$L/src/a/d.txt" "$M/mod/w/" && cat "$M/mod/w/d.txt"'
	step 'o=$(mktemp -d "$T/home/out.XXXXXX"); mv "$M/mod/w/x" "$o/" && mv "$M/mod/w/src" "$o/" 2>&1 | sed "s|$o|OUT|g"; (cd "$o" && ls -R); chmod -R u+w "$o"; rm -rf "$o"; ls -A "$M/mod/w"'
	step 'mv "$M/mod/a/d.txt" "$M/mod/w/" 2>&1; mv "$M/mod/w" "$M/w-moved" 2>&1; ls "$M/mod" "$M"'
	step 'chmod u+w "$M/mod" && mv "$M/mod/w" "$M/w-moved" && ls "$M" "$M/w-moved"; chmod -R u+w "$M/mod" && rm -rf "$M/mod"; ls "$M"'
}

compare_kernel_union rm-rf-ro-tree setup action
UN_AS=nobody UN_NOBODY_LOWERS=both compare_kernel_union rm-rf-ro-tree-nobody setup action
UN_INPLACE=1 UN_AS=nobody UN_NOBODY_LOWERS=both compare_kernel_union rm-rf-ro-tree-nobody-inplace setup action
un_done
