#!/bin/bash
# exec-child-opens: a shell in the union running a program that lies in a lower, its output sent to /dev/null, five times: each child opens the program once (its #! line and ELF headers read together) and never the whiteout table (the shell opened it, empty and current, before it forked: issue 13); a script of the lower still runs with its interpreter's argument; and a name below a descriptor's magic link (/dev/fd/N/NAME) is still looked up in the merged directory, not in the one layer's copy the descriptor stands on (the open of an absolute path outside every MERGED skips the lookup: not this one).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
need_no_sanitizer "the ASan runtime opens files of its own"
command -v strace >/dev/null || skip "strace is not installed"

M=$T/m
mkdir -p "$T/u/d" "$T/l/bin" "$T/l/d"
cp /bin/true "$T/l/bin/prog"
printf '#!/bin/sh -e\necho "script $0"\n' >"$T/l/bin/script"
chmod 755 "$T/l/bin/script"
echo "lower one" >"$T/l/d/l1"
: >"$T/l/d/l2"
: >"$T/u/d/u1"
lowers_snapshot "$T/l"

rc=0
(cd "$T" && un_run "$M" "$T/u" "$T/l" -- strace -f -qq -o "$T/trace" \
	-e trace=open,openat,execve bash --norc --noprofile -c \
	'cd "$1" && for i in 1 2 3 4 5; do ./bin/prog >/dev/null; done
	./bin/script
	exec 3<d && ls /dev/fd/3/ && cat /dev/fd/3/l1' sh "$M") >"$T/out" 2>&1 ||
	rc=$?
expect_eq "the shell's output" "script ./bin/script
l1
l2
u1
lower one/0" "$(cat "$T/out")/$rc"

# The children that exec the program, and what each of them opened.
awk -v prog="$T/l/bin/prog" '
	index($0, "execve(\"" prog "\"") { child[$1] = 1 }
	/open(at)?\(/ && index($0, prog "\"") { opens[$1]++ }
	/open(at)?\(/ && index($0, "/.union/whiteouts\"") { table[$1]++ }
	END {
		for (p in child) {
			n++
			o += opens[p]
			t += table[p]
		}
		print n + 0, o + 0, t + 0
	}' "$T/trace" >"$T/counts"
read -r children opens tables <"$T/counts"
expect_eq "children that exec the lower program" 5 "$children"
expect_eq "opens of the program in those children (one each)" 5 "$opens"
expect_eq "opens of the whiteout table in those children" 0 "$tables"
lowers_check
un_done
