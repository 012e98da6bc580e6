#!/bin/bash
# cwd-inherit-path: a process started with UNION_CWD takes the merged cwd it names without a stat of "." when the kernel's path of its real cwd is a layer's copy of that merged directory (issue 13: every compiler process under make), and by the stat's device and inode otherwise; a UNION_CWD that names neither way is refused (the real cwd stays the process's cwd).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done

M=$T/m
mkdir -p "$T/u/up" "$T/l/low" "$T/other"
lowers_snapshot "$T/l"
(cd "$T" && un_run "$M" "$T/u" "$T/l" -- stat "$M/low") >/dev/null

# pwd_with DIR UNION_CWD: /bin/pwd (getcwd: the merged path when the
# process took UNION_CWD) started in the real directory DIR.
pwd_with() {
	(cd "$1" && UNION_CWD=$2 un_run "$M" "$T/u" "$T/l" -- /bin/pwd 2>&1)
}
ident() { stat -c '%d:%i' "$1"; }

# The path decides, whatever the device and inode say: the lower's copy
# and the upper's.
expect_eq "lower's copy, its path" "$M/low" \
	"$(pwd_with "$T/l/low" "0:0:$M/low")"
expect_eq "upper's copy, its path" "$M/up" \
	"$(pwd_with "$T/u/up" "0:0:$M/up")"
# Not a layer's copy of it: the device and inode decide.
expect_eq "another directory, its device and inode" "$M/low" \
	"$(pwd_with "$T/other" "$(ident "$T/other"):$M/low")"
expect_eq "another directory, neither" "$T/other" \
	"$(pwd_with "$T/other" "0:0:$M/low")"
expect_eq "another layer's name, neither" "$T/l/low" \
	"$(pwd_with "$T/l/low" "0:0:$M/up")"

# No stat of "." for the path's way (the children of a shell in the
# union, each started in a layer's copy).
if [ -n "${UN_PRELOAD_FIRST:-}" ]; then
	echo "note: sanitizer build (its runtime makes calls of its own): the stats not counted"
elif command -v strace >/dev/null; then
	for d in low up; do
		(cd "$T" && un_run "$M" "$T/u" "$T/l" -- strace -f -qq \
			-o "$T/trace-$d" -e trace=newfstatat,stat,statx,execve \
			bash --norc --noprofile -c 'cd "$1" && /bin/pwd' sh \
			"$M/$d") >"$T/out-$d" 2>&1 || true
		expect_eq "$d: the child's cwd" "$M/$d" "$(cat "$T/out-$d")"
		stats=$(awk '
			/execve\("\/bin\/pwd"/ { kid = $1 }
			kid && $1 == kid && /"\."/ { n++ }
			END { print n + 0 }' "$T/trace-$d")
		expect_eq "$d: stats of . in the child after its exec" 0 "$stats"
	done
else
	echo "note: strace is not installed: the stats not counted"
fi
lowers_check
un_done
