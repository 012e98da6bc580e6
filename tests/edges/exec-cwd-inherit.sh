#!/bin/bash
# exec-cwd-inherit: a shell in the union forks a child after each cd (into a lower directory, an upper one, back with cd -, out and in again): each child takes the merged cwd from UNION_CWD, whose device and inode of the real cwd the shell learnt once before its fork for that cwd (issue 13: no stat(".") in every child) and learns again after every cd; and the children of a fork make no stat(".") of their own.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done

M=$T/m
mkdir -p "$T/u/up" "$T/l/low/deep" "$T/l/both" "$T/u/both"
lowers_snapshot "$T/l"

# /bin/pwd prints getcwd(): the merged path when the child took
# UNION_CWD, a layer's path when its device and inode did not match.
out=$(cd "$T" && un_run "$M" "$T/u" "$T/l" -- bash --norc --noprofile -c '
	cd "$1/low" && /bin/pwd && /bin/pwd
	cd "$1/up" && /bin/pwd
	cd - >/dev/null && /bin/pwd
	cd deep && /bin/pwd
	cd / && /bin/pwd
	cd "$1/both" && /bin/pwd' sh "$M" 2>&1)
expect_eq "each child's cwd" "$M/low
$M/low
$M/up
$M/low
$M/low/deep
/
$M/both" "$out"

# Three children of one cwd: none stats "." before its exec (strace: a
# child's lines before its execve are its pre-exec part).
if command -v strace >/dev/null; then
	(cd "$T" && un_run "$M" "$T/u" "$T/l" -- strace -f -qq -o "$T/trace" \
		-e trace=newfstatat,stat,statx,execve bash --norc --noprofile \
		-c 'cd "$1/low" && for i in 1 2 3; do /bin/pwd; done; true' \
		sh "$M") >/dev/null 2>&1
	stats=$(awk '
		/execve\("\/bin\/pwd"/ { done[$1] = 1; kids[$1] = 1 }
		/"\."/ && !done[$1] { n[$1]++ }
		END { for (p in kids) s += n[p]; print s + 0 }' "$T/trace")
	expect_eq "stats of . in the children before their exec" 0 "$stats"
else
	echo "note: strace is not installed: the children's stats not counted"
fi
lowers_check
un_done
