#!/bin/bash
# exec-child-opens: a shell in the union running a program that lies in a lower, its output sent to /dev/null, five times: the first child opens the program once (its #! line and ELF headers read together), the others not at all (the shell remembers the check), each child stat'ing it once (the lookup's lstat, which the memo is asked with) and never the whiteout table (the shell opened it, empty and current, before it forked: issue 13), as root and as nobody (who owns the lowers); a script of the lower still runs with its interpreter's argument; and a name below a descriptor's magic link (/dev/fd/N/NAME) is still looked up in the merged directory, not in the one layer's copy the descriptor stands on (the open of an absolute path outside every MERGED skips the lookup: not this one).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
need_no_sanitizer "the ASan runtime opens files of its own"
command -v strace >/dev/null || skip "strace is not installed"

# One pass: layers under $T/$1 (owned by uid $2), the shell started by
# the rest of the arguments (setpriv for the pass as nobody, the library
# loaded only after it, as tests/lib.sh's steps load it: a root process
# with it could make UPPER/.union root's); the counts in $T/$1/counts.
one_pass() {
	local name=$1 d=$T/$1 owner=$2 spec rc=0
	shift 2
	mkdir -p "$d/u/d" "$d/l/bin" "$d/l/d"
	cp /bin/true "$d/l/bin/prog"
	printf '#!/bin/sh -e\necho "script $0"\n' >"$d/l/bin/script"
	chmod 755 "$d/l/bin/script"
	echo "lower one" >"$d/l/d/l1"
	: >"$d/l/d/l2"
	: >"$d/u/d/u1"
	chown -R "$owner:$owner" "$d"
	lowers_snapshot "$d/l"
	_un_spec_to spec "$d/m" "$d/u" "$d/l"
	(cd "$d" && strace -f -qq -o "$d/trace" \
		-e trace=open,openat,execve,newfstatat,stat,lstat,statx \
		"$@" env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
		bash --norc --noprofile -c \
		'cd "$1" && for i in 1 2 3 4 5; do ./bin/prog >/dev/null; done
		./bin/script
		exec 3<d && ls /dev/fd/3/ && cat /dev/fd/3/l1' sh "$d/m") \
		>"$d/out" 2>&1 || rc=$?
	expect_eq "the shell's output ($name)" "script ./bin/script
l1
l2
u1
lower one/0" "$(cat "$d/out")/$rc"

	# The children that exec the program, and what each of them opened.
	awk -v prog="$d/l/bin/prog" '
		index($0, "execve(\"" prog "\"") { child[$1] = 1 }
		/open(at)?\(/ && index($0, prog "\"") { opens[$1]++ }
		/open(at)?\(/ && index($0, "/.union/whiteouts\"") { table[$1]++ }
		/(newfstatat|statx|stat|lstat)\(/ && index($0, prog "\"") { stats[$1]++ }
		END {
			for (p in child) {
				n++
				o += opens[p]
				t += table[p]
				s += stats[p]
			}
			print n + 0, o + 0, t + 0, s + 0
		}' "$d/trace" >"$d/counts"
	local children opens tables stats
	read -r children opens tables stats <"$d/counts"
	expect_eq "children that exec the lower program ($name)" 5 "$children"
	# (the first child's check; the others take the shell's memory
	# of it: unwrapped.c's memo, tests/edges/exec-check-memo)
	expect_eq "opens of the program in those children, the first's only ($name)" \
		1 "$opens"
	expect_eq "opens of the whiteout table in those children ($name)" \
		0 "$tables"
	# One stat of the program a child: the lookup's lstat, which the
	# memo is asked with (exec.c: no stat more of its own).
	expect_eq "stats of the program in those children ($name)" \
		5 "$stats"
}

# As the user running the test, and, as root, again as nobody, who owns
# the lowers (the lookup takes other paths there: the EACCES guesses).
one_pass self "$(id -u)"
if is_root; then
	one_pass nobody 65534 setpriv --reuid=65534 --regid=65534 \
		--clear-groups --
fi
lowers_check
un_done
