#!/bin/bash
# link-into-inplace: changes through a path OUTSIDE every MERGED that a symlink leads into an in-place union's MERGED (MERGED is the top lower's own path, `union run`'s default): a write over a lower file, creates, a mkdir and a create below it, a rename (both names through links), an unlink, a rmdir, a chmod, a truncate, a symlink and a hard link made there; through an absolute symlink, a relative one, one to a directory below MERGED, '..' after a symlink, and a name relative to an outside cwd through a link; against the kernel (its overlay mounted in place hides the lower: the same paths reach the merged view), as root and as nobody.  The library decided by the path's string and handed such a path to the kernel, which followed the link to MERGED's directory on disk: the LOWER (every change landed there).  Now a change told "outside" asks the kernel where the path leads and, in a union in place, looks up the merged path (outside_inplace.c).  Reads through such links are not followed (README's limits): no step reads through one.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

# The links beside the layers ($L, outside MERGED = $L/lower1).
setup() {
	make_small_tree "$1"
	ln -s "$1/lower1" "$1/alink"	# absolute, to MERGED
	ln -s lower1 "$1/rlink"		# relative, to MERGED
	ln -s lower1/d "$1/dlink"	# to a directory below MERGED
	ln -s "$1/lower1/f1" "$1/flink"	# to a lower file in MERGED
}

action() {
	step 'echo x >>"$L/alink/f1" && cat "$M/f1"'
	step 'echo new >"$L/rlink/new1" && cat "$M/new1"'
	step 'mkdir "$L/alink/nd" && touch "$L/rlink/nd/in" && names "$M/nd"'
	step 'echo y >"$L/dlink/x2" && names "$M/d" && cat "$M/d/x2"'
	step 'chmod 600 "$L/alink/d/x1" && st "$M/d/x1"'
	step 'truncate -s 3 "$L/flink" && cat "$M/f1"; echo; st "$M/f1"'
	step 'mv "$L/alink/both" "$L/rlink/d/moved" && names "$M" && names "$M/d" && cat "$M/d/moved"'
	step 'rm "$L/rlink/f2" && rmdir "$L/alink/e1" && names "$M"'
	step 'ln -s f1 "$L/alink/sl" && ln "$L/alink/f1" "$L/rlink/hl" && st "$M/sl" "$M/hl"'
	step 'echo z >"$L/alink/d/../nd/dots" && cat "$M/nd/dots"'
	step 'echo w >"$L/rlink/../alink/d2/only2" && cat "$M/d2/only2"'
	step 'cd "$L" && echo c >rlink/fromcwd && mkdir dlink/sub2 && names "$M" && names "$M/d"'
	step 'cd "$L" && touch -d @1000000000 rlink/f1 && stat -c %Y "$M/f1"'
	# (*at calls relative to a descriptor of the outside directory.)
	stepx <<'EOS'
python3 -c '
import os, sys
d = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
fd = os.open("rlink/atnew", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=d)
os.write(fd, b"at\n"); os.close(fd)
os.mkdir("alink/atdir", dir_fd=d)
os.rename("rlink/new1", "alink/atdir/n", src_dir_fd=d, dst_dir_fd=d)
os.unlink("dlink/x1", dir_fd=d)
os.chmod("rlink/atnew", 0o640, dir_fd=d)
' "$L" && names "$M" && names "$M/atdir" && names "$M/d" && st "$M/atnew"
EOS
	step 'python3 -c "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$L/rlink/sock" && st "$M/sock"'
}

UN_INPLACE=1 compare_kernel_union link-into-inplace setup action
UN_INPLACE=1 UN_AS=nobody UN_NOBODY_LOWERS=both compare_kernel_union link-into-inplace-nobody setup action
un_done
