#!/bin/bash
# exec-start-calls: what a short-lived process in the union pays at its start and exec, in system calls (issue 13: a compiler's processes under make): no mkdirat of .union/work once the table exists (a copy-up that finds work/ removed makes it again), no rt_sigprocmask more than natively (handlers held, not signals blocked, around the tables' open and the cwd's writer), no stat of "." for an inherited cwd the kernel names by a layer's path of it, none more for each posix_spawn, and no open nor exec of a PATH candidate that is not there (execvp, posix_spawnp).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_no_sanitizer "the ASan runtime makes system calls of its own"
need_strace
command -v python3 >/dev/null || skip "python3 is not installed"

M=$T/m
mkdir -p "$T/u/up" "$T/l/low"
echo low >"$T/l/low/f"
echo up >"$T/u/up/g"
lowers_snapshot "$T/l"
# The table made by a first process.
(cd "$T" && un_run "$M" "$T/u" "$T/l" -- stat "$M/low/f") >/dev/null
[ -f "$T/u/.union/whiteouts" ] || fail "no table after the first process"

# calls NAME DIR CMD...: strace of CMD run by a shell cd'ed to DIR (in the
# union when DIR is under $M); the calls of the process that execs CMD,
# after its exec, into $T/NAME.
calls() {
	local name=$1 dir=$2
	shift 2
	if [ "${dir#"$M"}" != "$dir" ]; then
		(cd "$T" && count_calls "$T/$name.raw" "$M" "$T/u" "$T/l" -- \
			bash --norc --noprofile -c \
			'cd "$1" && shift && "$@"' sh "$dir" "$@") >/dev/null 2>&1 ||
			true
	else
		strace -f -qq -o "$T/$name.raw" bash --norc --noprofile -c \
			'cd "$1" && shift && "$@"' sh "$dir" "$@" >/dev/null 2>&1 ||
			true
	fi
	awk -v prog="$1" '
		index($2, "execve(\"" prog "\"") == 1 && / = 0$/ {
			pid = $1; started = 1; next }
		started && $1 == pid { sub(/^[0-9]+ +/, ""); print }' \
		"$T/$name.raw" >"$T/$name"
}
count() { grep -c "$1" "$2" || true; }

for cwd in low up; do
	if [ $cwd = low ]; then native=$T/l/low; else native=$T/u/up; fi
	calls n-$cwd "$native" /usr/bin/stat -c %s f g
	calls u-$cwd "$M/$cwd" /usr/bin/stat -c %s f g
	[ -s "$T/u-$cwd" ] || fail "$cwd: no trace of stat in the union"
	expect_eq "$cwd: mkdirat" 0 "$(count '^mkdirat' "$T/u-$cwd")"
	expect_eq "$cwd: rt_sigprocmask, union against native" \
		"$(count '^rt_sigprocmask' "$T/n-$cwd")" \
		"$(count '^rt_sigprocmask' "$T/u-$cwd")"
	# (The inherited cwd: the kernel's path of it a layer's copy of
	# UNION_CWD's, no stat; tests/edges/cwd-inherit-path.)
	expect_eq "$cwd: stats of \".\" (the inherited cwd's check)" 0 \
		"$(count 'stat[a-z]*(AT_FDCWD, "\."' "$T/u-$cwd")"
done

# A PATH search: no candidate that is not there is opened or exec'd.
calls u-env "$M/low" /usr/bin/env PATH=/nonexist1:/nonexist2/x:/usr/bin:/bin \
	true
expect_eq "execvp: execs of a missing candidate" 0 \
	"$(count '^execve("/nonexist' "$T/u-env")"
expect_eq "execvp: opens of a missing candidate" 0 \
	"$(count '^open[a-z0-9]*(AT_FDCWD, "/nonexist' "$T/u-env")"
expect_eq "execvp: the program ran" 1 "$(count '^execve("/usr/bin/true"' "$T/u-env")"

# posix_spawn four times from a merged cwd: one stat of "." to learn it,
# not one a spawn; posix_spawnp with missing
# candidates first: none exec'd.
spawns='import os, sys
for i in range(4):
    os.waitpid(os.posix_spawn("/bin/true", ["true"], os.environ), 0)
os.environ["PATH"] = "/nonexist1:/nonexist2:/usr/bin:/bin"  # (the caller'"'"'s)
pid = os.posix_spawnp("true", ["true"], os.environ)
print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))'
calls n-spawn "$T/l/low" /usr/bin/python3 -c "$spawns"
calls u-spawn "$M/low" /usr/bin/python3 -c "$spawns"
n0=$(count 'stat[a-z]*(AT_FDCWD, "\."' "$T/n-spawn")
n1=$(count 'stat[a-z]*(AT_FDCWD, "\."' "$T/u-spawn")
expect_eq "posix_spawn: stats of \".\" over native" 1 "$((n1 - n0))"
expect_eq "posix_spawnp: execs of a missing candidate" 0 \
	"$(count 'execve("/nonexist' "$T/u-spawn.raw")"
expect_eq "posix_spawnp: the program ran" 1 \
	"$(count 'execve("/usr/bin/true"' "$T/u-spawn.raw")"

# work/ removed since the table was made: the next copy-up makes it.
rm -r "$T/u/.union/work"
(cd "$T" && un_run "$M" "$T/u" "$T/l" -- sh -c "echo more >>'$M/low/f'") ||
	fail "the copy-up without work/ failed"
expect_eq "the copy" "low
more" "$(cat "$T/u/low/f" 2>&1)"
[ -d "$T/u/.union/work" ] || fail "work/ was not made again"
expect_eq "work/ left empty" "" "$(ls -A "$T/u/.union/work" 2>&1)"
lowers_check
un_done
