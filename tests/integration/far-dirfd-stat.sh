#!/bin/bash
# far-dirfd-stat: fstatat relative to a directory descriptor far from
# every union (find's fstatat of every name over /usr) goes to the
# kernel first and is looked up after only when its name may lead into
# a union (bench/README.md "Session 19 (outside19)"): a plain name, a
# name through subdirectories and a missing one answer as the kernel's;
# a name that climbs by '..' into MERGED answers the union's (the
# kernel's answer for it, ENOENT or MERGED's real directory, is thrown
# away), as does one whose '..' follows a name that is not a directory.
# Default, in-place and absent MERGED, as root and as nobody.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	make_small_tree "$1"
}

# Each name relative to a descriptor of DIR: its type, size and link
# count (a merged directory's 1, as the kernel's), or the errno.
cat >"$T/statat.py" <<'EOF2'
import os, stat, sys
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
for name in sys.argv[2:]:
    try:
        st = os.stat(name, dir_fd=fd, follow_symlinks=False)
        kind = "dir" if stat.S_ISDIR(st.st_mode) else "file"
        size = st.st_size if kind == "file" else "-"
        print(name.replace(os.environ["MT"], "$MT"), kind, size, st.st_nlink)
    except OSError as e:
        print(name.replace(os.environ["MT"], "$MT"), "errno", e.errno)
EOF2

action() {
	# Outside every union, made again for each side (M differs in place).
	rm -rf "$T/o"
	mkdir -p "$T/o/a/b"
	echo outside >"$T/o/a/x"
	# M's path from $T, and from $T/o/a by '..'.
	export MT=${M#"$T"}
	step '"$PYTHON" "$T/statat.py" "$T/o/a" x b b/../x nope b/nope x/y . ..'
	step '"$PYTHON" "$T/statat.py" "$T/o/a" "../..$MT/f1" "../..$MT/f2" "../..$MT/d" "b/../../..$MT/d/sub/y2" "../..$MT/nope"'
	step '"$PYTHON" "$T/statat.py" "$T/o/a" "x/../../..$MT/f1" "../../o/a/x" "b/.."'
}

compare_kernel_union far-dirfd-stat setup action
UN_INPLACE=1 compare_kernel_union far-dirfd-stat-inplace setup action
UN_MERGED_ABSENT=1 compare_kernel_union far-dirfd-stat-absent setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union far-dirfd-stat-nobody setup action
un_done
