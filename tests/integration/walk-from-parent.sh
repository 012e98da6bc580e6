#!/bin/bash
# walk-from-parent: programs that walk from a directory above MERGED with directory descriptors (find, du and tar use fts and openat) see the union below it, as they see the kernel's mount; *at calls relative to a descriptor outside every union reach it too, through a name below or a '..' (fts climbing by openat(fd, "..") from a far directory included).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_small_tree "$1"; }

# $M is $T/m: the walks start at $T (which holds other scenarios' files)
# and print only what lies below $M.
action() {
	step 'find "$T" -path "$M/*" -printf "%P %y %s %m\n" | sort'
	step 'cd "$T/.." && find "$(basename "$T")" -path "*/m/*" -type f -exec cat {} + | sort'
	step 'tar -C "$T" -cf - m | tar -tvf - | awk "{print \$1, \$3, \$6}" | sort'
	step 'du -a --apparent-size --block-size=1 "$T" | grep "/m/" | grep -v "	$M/d\$\|	$M/d2\$\|	$M/e" | sort -k2'
	step '"$PYTHON" - "$T" <<"PY"
import os, sys
t = sys.argv[1]
for top, dirs, files, fd in os.fwalk(t):
    if top == t:
        dirs[:] = ["m"]
        continue
    for f in sorted(files):
        try:
            data = os.read(os.open(f, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=fd), 100)
        except OSError as e:
            data = e.strerror.encode()
        print(os.path.relpath(os.path.join(top, f), t), data.decode().strip())
PY'
	step 'mkdir -p "$T/side" && "$PYTHON" - "$T" <<"PY"
import os, sys
t = sys.argv[1]
top = os.open(t, os.O_RDONLY | os.O_DIRECTORY)
side = os.open(t + "/side", os.O_RDONLY | os.O_DIRECTORY)
# fts climbs by openat(fd, ".."): from a directory far from the union
# to one above MERGED, and down into it again
up = os.open("..", os.O_RDONLY | os.O_DIRECTORY, dir_fd=side)
print(sorted(os.listdir(os.open("m", os.O_RDONLY | os.O_DIRECTORY, dir_fd=up))))
print(os.read(os.open("m/d/x2", os.O_RDONLY, dir_fd=top), 100).decode().strip())
print(os.read(os.open("../m/f1", os.O_RDONLY, dir_fd=side), 100).decode().strip())
os.mkdir("m/d/made", dir_fd=top)
fd = os.open("../m/d/made/new", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=side)
os.write(fd, b"written through a descriptor above\n")
os.unlink("m/f2", dir_fd=top)
os.rename("../m/f1", "m/f1-renamed", src_dir_fd=side, dst_dir_fd=top)
sub = os.open("m/d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=top)
print(sorted(os.listdir(sub)))
print(os.stat("made/new", dir_fd=sub).st_size)
PY
	names "$M"; cat "$M/d/made/new"'
	step 'rmdir "$T/side"'
}

compare_kernel_union walk-from-parent setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union walk-from-parent-nobody setup action
un_done
