#!/bin/bash
# dotdot-outside: an absolute path holding '..' that starts outside every
# union goes to the kernel as it is only when the part up to its last
# '..' holds no symlink and passes through no union on the way: a symlink
# outside pointing into MERGED and followed by '..' climbs in the union,
# a path that goes down through MERGED and climbs back out by '..' walks
# MERGED's merged directories, and one that lands in MERGED by '..' is
# the union's; a path that stays outside answers as the kernel's.  gcc
# names its programs so (/usr/lib/gcc/x86_64-linux-gnu/12/../../../..
# /x86_64-linux-gnu/bin/as): counted too, a stat of such a path is one
# openat2 and the stat, not an lstat of each directory before the '..'
# (bench/README.md "Session 12 (make)").  Default, in-place and absent
# MERGED, as root.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	make_small_tree "$1"
	# A directory of lower1 hidden by a file of the upper: on disk, in
	# place, the path climbs out of it; in the union it is ENOTDIR.
	mkdir -p "$1/lower1/shadow/in"
	echo file >"$1/upper/shadow"
}

# Each path: its listing, its content, or the errno (no message: in
# place the two sides' paths differ).
cat >"$T/look.py" <<'EOF2'
import os, sys
for p in sys.argv[1:]:
    try:
        if os.path.isdir(p):
            print(sorted(os.listdir(p)))
        else:
            with open(p) as f:
                print(f.read().strip())
    except OSError as e:
        print("errno", e.errno)
EOF2

action() {
	# Outside every union, made again for each side (M differs in place).
	rm -rf "$T/o"
	mkdir -p "$T/o/a/b/c/d/e"
	echo outside >"$T/o/f"
	ln -s "$M/d" "$T/o/lnk"
	ln -s a "$T/o/rel"
	# M's path from $T, to name it from outside by '..' ($T/o/a/b/../../..
	# is $T), and as many '..' as it has names, to climb from M to $T.
	export MT=${M#"$T"}
	UP=$(printf %s "$MT" | sed 's#/[^/]*#/..#g')
	export UP
	step '"$PYTHON" "$T/look.py" "$T/o/lnk/../f1" "$T/o/lnk/../f2" "$T/o/lnk/../d/sub/.."'
	step '"$PYTHON" "$T/look.py" "$T/o/a/b/../../..$MT/f2" "$T/o/a/b/../../..$MT/d/x2"'
	step '"$PYTHON" "$T/look.py" "$T/o/a/b/../../..$MT/d/sub/../..$UP/o/a" "$T/o/a/b/c/../../../..$MT/d/sub/../..$UP/o/f"'
	step '"$PYTHON" "$T/look.py" "$T/o/a/b/../../..$MT/shadow/in/../..$UP/o/a" "$T/o/a/b/../../..$MT/shadow/..$UP/o/f"'
	step '"$PYTHON" "$T/look.py" "$T/o/a/b/c/d/e/../../../../../f" "$T/o/rel/b/../.." "$T/o/a/b/c/../../../../o/nope" "$T/o/f/../f" "$T/o/nope/../f" "$T/o/a/b/../b/c/.."'
}

compare_kernel_union dotdot-outside setup action
UN_INPLACE=1 compare_kernel_union dotdot-outside-inplace setup action
UN_MERGED_ABSENT=1 compare_kernel_union dotdot-outside-absent setup action

# The calls: a stat of a path outside with five directories before its
# '..'s.
if need_lib && command -v strace >/dev/null 2>&1 &&
	strace -f -qq -o /dev/null true 2>/dev/null; then
	mkdir -p "$T/c/v" "$T/c/u" "$T/c/l" "$T/c/o/a/b/c/d/e"
	: >"$T/c/o/f"
	strace -qq -e trace=newfstatat,statx,lstat,stat,openat2 \
		-o "$T/c/trace" env UNION_LAYERS="$(un_spec "$T/c/v" "$T/c/u" "$T/c/l")" \
		LD_PRELOAD="$LIBUNION" stat -c %F "$T/c/o/a/b/c/d/e/../../../../../f" \
		>"$T/c/out"
	[ "$(cat "$T/c/out")" = "regular empty file" ] ||
		fail "stat of the path outside: $(cat "$T/c/out")"
	n=$(grep -c "$T/c/o" "$T/c/trace" || true)
	if [ "$n" -le 2 ]; then
		printf 'ok: %s calls name the path outside\n' "$n"
	else
		cat "$T/c/trace" >&2
		fail "$n calls name the path outside (at most 2: openat2 of its part up to the last '..', the stat)"
	fi
fi
un_done
