#!/bin/bash
# create-under-ro-lower-dir: under lower directories of modes 0555 and 0500 (the user owns the lowers), or made 0555 in the union, create, append, unlink, link, symlink, mkdir and rename in writable subdirectories; chmod, utime and chown of the read-only directory itself; the same after the directory has a copy in the upper; then chmod -R u+w and rm -rf of the tree (issue 11, item 3).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() {
	mkdir -p "$1/upper" "$1/lower1" "$1/lower2"
	local l1=$1/lower1 l2=$1/lower2 d
	for d in ro ro2 rx; do
		mkf "$l1/$d/s/x" 644 "$d/s/x"
		mkf "$l1/$d/s/y" 644 "$d/s/y"
		mkd "$l1/$d/t" 755
		mkf "$l1/$d/f" 644 "$d/f"
		mkf "$l2/$d/s/z" 644 "$d/s/z from lower2"
		mkd "$l2/$d/s/deep/er" 755
		chmod 755 "$l2/$d/s/deep" "$l2/$d/s"
	done
	chmod 555 "$l1/ro" "$l1/ro2" "$l2/ro" "$l2/ro2"
	chmod 500 "$l1/rx" "$l2/rx"
	# a writable lower directory that the union makes 0555
	mkf "$l1/w/f" 644 "w/f"
	mkf "$l2/w/g" 644 "w/g"
	# a whole read-only tree, as a tarball of 0555 directories unpacks
	mkf "$l1/tree/a/b/c" 444 "c"
	mkf "$l2/tree/a/e" 444 "e"
	mkd "$l2/tree/g/h" 555
	chmod 555 "$l1/tree/a/b" "$l1/tree/a" "$l1/tree" "$l2/tree/a" \
		"$l2/tree/g" "$l2/tree"
}

# The changes in the writable subdirectories of the read-only DIR.
changes() {
	local d=$1
	step '"$TESTPROG/sysop" open "$M/'"$d"'/s/new" wronly,creat 644 -- write "$M/'"$d"'/s/x" X -- unlink "$M/'"$d"'/s/y" -- unlink "$M/'"$d"'/s/z" -- link "$M/'"$d"'/s/x" "$M/'"$d"'/s/x2" -- symlink x "$M/'"$d"'/s/sl" -- mkdir "$M/'"$d"'/s/nd" 755 -- rename "$M/'"$d"'/s/x2" "$M/'"$d"'/t/x3" -- mkfifo "$M/'"$d"'/t/p" 644 -- rmdir "$M/'"$d"'/s/deep/er"'
	step 'echo more >>"$M/'"$d"'/t/app"; cat "$M/'"$d"'/s/x" "$M/'"$d"'/t/x3"; cd "$M/'"$d"'" && find . -printf "%y %m %p\n" | sort -k3'
}

action() {
	changes ro
	step '"$TESTPROG/sysop" chmod "$M/ro" 755 -- chmod "$M/ro" 555 -- utimens "$M/ro" 1000 0 -- chown "$M/ro" -1 -1 -- chown "$M/rx" -1 -1 -- utimens "$M/rx" 2000 0 -- stat "$M/ro" -- stat "$M/rx"'
	# ro2 gets its copy in the upper first (a chmod to its own mode)
	step '"$TESTPROG/sysop" chmod "$M/ro2" 555 -- utimens "$M/ro2" 3000 0'
	changes ro2
	changes rx
	step '"$TESTPROG/sysop" chmod "$M/rx" 700 -- chmod "$M/rx" 500 -- stat "$M/rx"'
	# refused: a name made or removed in the read-only directory itself
	step '"$TESTPROG/sysop" open "$M/ro/new" wronly,creat 644 -- unlink "$M/ro/f" -- mkdir "$M/ro/nd" 755 -- rename "$M/ro/f" "$M/ro/s/f" -- rename "$M/ro/s/x" "$M/ro/x" -- link "$M/ro/s/x" "$M/ro/x" -- symlink x "$M/ro/sl" -- rmdir "$M/ro/t"'
	# the topmost copy's mode decides, not the lower's
	step 'chmod 555 "$M/w" && "$TESTPROG/sysop" unlink "$M/w/f" -- unlink "$M/w/g" -- rename "$M/w/f" "$M/w/h" -- open "$M/w/new" wronly,creat 644; ls "$M/w"'
	step 'chmod u+w "$M/ro" && rm -rf "$M/ro"; ls "$M"'
	step 'chmod -R u+w "$M/tree" && rm -rf "$M/tree"; ls "$M"'
	step 'chmod -R u+w "$M/rx" "$M/ro2" && rm -r "$M/rx" "$M/ro2"; ls -A "$M"'
}

compare_kernel_union create-under-ro-lower-dir setup action
UN_AS=nobody UN_NOBODY_LOWERS=both compare_kernel_union create-under-ro-lower-dir-nobody setup action
UN_INPLACE=1 UN_AS=nobody UN_NOBODY_LOWERS=both compare_kernel_union create-under-ro-lower-dir-nobody-inplace setup action
un_done
