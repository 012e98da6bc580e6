#!/bin/bash
# read-ovl-whiteout-lower: lowers that hold overlayfs whiteouts (char 0/0) and opaque directories.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_kernel_overlay
need_cmd setfattr getfattr

# $OPAQUE: the xattr that marks an opaque directory in a lower.
setup() {
	local d=$1
	mkdir -p "$d/upper" "$d/lower1" "$d/lower2" "$d/lower3"
	mkf "$d/lower3/a" 644 "a from lower3"
	mkf "$d/lower3/b" 644 "b from lower3"
	mkf "$d/lower3/c" 644 "c from lower3"
	mkf "$d/lower3/dir/x" 644 "dir/x from lower3"
	mkf "$d/lower3/dir/y" 644 "dir/y from lower3"
	mkf "$d/lower3/odir/p" 644 "odir/p from lower3"
	mkf "$d/lower3/odir/q" 644 "odir/q from lower3"
	mkf "$d/lower3/gone-dir/z" 644 "gone-dir/z from lower3"
	mkf "$d/lower3/odir2/deep/k" 644 "odir2/deep/k from lower3"

	# lower2: whiteouts of a, dir/x and the whole gone-dir; odir opaque;
	# a whiteout with nothing below it.
	mknod "$d/lower2/a" c 0 0
	mkdir -p "$d/lower2/dir" "$d/lower2/odir"
	mknod "$d/lower2/dir/x" c 0 0
	mkf "$d/lower2/dir/w" 644 "dir/w from lower2"
	mkf "$d/lower2/odir/r" 644 "odir/r from lower2"
	setfattr -n "$OPAQUE" -v y "$d/lower2/odir"
	mknod "$d/lower2/gone-dir" c 0 0
	mknod "$d/lower2/lonely" c 0 0
	mkf "$d/lower2/new-in-2" 644 "new in lower2"

	# lower1: a again (over the whiteout), an opaque dir, a whiteout of a
	# file that lower2 holds, one in a merged directory.  (No whiteout
	# inside an opaque directory of a single layer: the kernel lists those
	# raw, as it reads such a directory without merging, and DESIGN.md
	# wants whiteouts left out of every listing.)
	mkf "$d/lower1/a" 644 "a from lower1, over lower2's whiteout"
	mkdir -p "$d/lower1/odir2" "$d/lower1/dir"
	setfattr -n "$OPAQUE" -v y "$d/lower1/odir2"
	mkf "$d/lower1/odir2/fresh" 644 "odir2/fresh from lower1"
	mknod "$d/lower1/new-in-2" c 0 0
	mknod "$d/lower1/dir/w" c 0 0
	mkf "$d/lower1/dir/v" 644 "dir/v from lower1"
	mkf "$d/upper/u" 644 "u from upper"
	mkf "$d/upper/dir/uu" 644 "dir/uu from upper"
}

action() {
	step 'ls -la --time-style=+ "$M" "$M/dir" "$M/odir" "$M/odir2" | awk '\''/^total / { $2 = "-" } /^d/ { $5 = "-" } 1'\'''
	step 'find "$M" -printf "%y %n %P\n" | sort'
	step 'cat "$M/a" "$M/b" "$M/c" "$M/dir/y" "$M/dir/v" "$M/odir/r" "$M/odir2/fresh"'
	step 'for n in dir/x dir/w gone-dir gone-dir/z lonely new-in-2 odir/p odir/q odir2/deep; do stat -c "%n %F" "$M/$n"; done'
	step 'ls "$M/gone-dir"; cd "$M/odir" && ls -a'
	step '"$PYTHON" -c "import os,sys; print(sorted((e.name, e.is_dir()) for e in os.scandir(sys.argv[1])))" "$M"'
	step 'tar -C "$M" --sort=name -cf - . | tar -tf -'
	# Writes around the lower whiteouts.
	step 'echo again > "$M/lonely"; mkdir "$M/gone-dir" && ls -a "$M/gone-dir"; rm "$M/b"; ls "$M"'
	step 'rm -r "$M/odir"; ls "$M"; mkdir "$M/odir"; ls -a "$M/odir"'
}

export OPAQUE=trusted.overlay.opaque
compare_kernel_union read-ovl-whiteout-lower setup action

# The same with user.overlay.opaque, which the kernel reads with userxattr.
OPAQUE=user.overlay.opaque UN_KERNEL_OPTS=userxattr \
	compare_kernel_union read-ovl-whiteout-lower-userxattr setup action
un_done
