#!/bin/bash
# unwrapped-static: execve, posix_spawn(p) and system of a static program, in and out of MERGED, under each UNION_UNWRAPPED_EXEC policy.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
need_edgeprog execs

static_prog static-hello static-hello.c
pie=0
cc_build static-pie static-hello.c -static-pie -fPIE && pie=1

D=$T/d
M=$T/m
mkdir -p "$D/upper" "$D/lower/bin" "$T/outside"
cp "$T/static-hello" "$D/lower/bin/static-hello"
cp "$T/static-hello" "$T/outside/static-hello"
[ $pie = 1 ] && cp "$T/static-pie" "$D/lower/bin/static-pie" && cp "$T/static-pie" "$T/outside/static-pie"
# a script whose interpreter is the static program
printf '#!%s\n' "$T/outside/static-hello" >"$D/lower/bin/script"
chmod 755 "$D/lower/bin/script"
echo "lower file" >"$D/lower/f"
lowers_snapshot "$D/lower"

SPEC=$(un_spec "$M" "$D/upper" "$D/lower")

# run POLICY CMD...: run CMD under the union with the policy ("-": unset);
# sets OUT (stdout), ERR (stderr), RC.
run() {
	local policy=$1
	shift
	RC=0
	if [ "$policy" = - ]; then
		env -u UNION_UNWRAPPED_EXEC UNION_LAYERS="$SPEC" LD_PRELOAD="$LIBUNION" \
			"$@" >"$T/out" 2>"$T/err" || RC=$?
	else
		env UNION_UNWRAPPED_EXEC="$policy" UNION_LAYERS="$SPEC" LD_PRELOAD="$LIBUNION" \
			"$@" >"$T/out" 2>"$T/err" || RC=$?
	fi
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
}

# refused WHAT SHOWN EXPECT-OUT EXPECT-RC: one libunion line naming SHOWN.
refused() {
	local what=$1 shown=$2 eout=$3 erc=$4 lines
	lines=$(grep -c '^libunion: ' "$T/err" || true)
	if [ "$lines" != 1 ] ||
		! grep -qF "libunion: refusing to run $shown: " "$T/err"; then
		fail "$what: expected one line 'libunion: refusing to run $shown: ...' on stderr, got: $ERR"
	fi
	case $(grep '^libunion: ' "$T/err") in
	*"UNION_UNWRAPPED_EXEC"*) ;;
	*) fail "$what: the refusal does not name UNION_UNWRAPPED_EXEC: $ERR" ;;
	esac
	if [ "$OUT" != "$eout" ] || [ "$RC" != "$erc" ]; then
		fail "$what: expected output '$eout' status $erc, got '$OUT' status $RC"
	else
		echo "ok: $what: refused ($eout)"
	fi
}

ran() {
	local what=$1 eout=$2
	if [ "$OUT" = "$eout" ] && [ "$RC" = 0 ] && ! grep -q '^libunion:' "$T/err"; then
		echo "ok: $what: ran"
	else
		fail "$what: expected to run ('$eout', status 0, no libunion line), got '$OUT' status $RC stderr: $ERR"
	fi
}

progs=(static-hello)
[ $pie = 1 ] && progs+=(static-pie)

for prog in "${progs[@]}"; do
	for where in outside inside; do
		if [ $where = outside ]; then p=$T/outside/$prog; else p=$M/bin/$prog; fi
		for policy in - refuse outside allow bogus; do
			runs=0
			case $policy/$where in
			allow/*) runs=1 ;;
			outside/outside) runs=1 ;;
			esac
			tag="$prog $where MERGED, UNION_UNWRAPPED_EXEC=$policy"

			run "$policy" "$EDGEPROG/execs" execve "$p"
			if [ $runs = 1 ]; then ran "execve $tag" "static ran"
			else refused "execve $tag" "$p" "execve: EPERM" 1; fi

			run "$policy" "$EDGEPROG/execs" spawn "$p"
			if [ $runs = 1 ]; then ran "posix_spawn $tag" "static ran
status 0"
			else refused "posix_spawn $tag" "$p" "posix_spawn: EPERM" 1; fi

			# posix_spawnp: the PATH search finds it.
			run "$policy" env PATH="$(dirname "$p"):/usr/bin:/bin" "$EDGEPROG/execs" spawnp "$prog"
			if [ $runs = 1 ]; then ran "posix_spawnp $tag" "static ran
status 0"
			else refused "posix_spawnp $tag" "$p" "posix_spawnp: EPERM" 1; fi

			# system: the shell (preloaded) is what refuses.
			run "$policy" "$EDGEPROG/execs" system "$p"
			if [ $runs = 1 ]; then ran "system $tag" "static ran
status 0"
			else
				st=$(printf '%s\n' "$OUT" | tail -n1)
				if grep -qF "libunion: refusing to run $p: " "$T/err" &&
					[ "$st" = "status 126" ]; then
					echo "ok: system $tag: refused (the shell says status 126)"
				else
					fail "system $tag: expected a refusal and status 126, got '$OUT' stderr: $ERR"
				fi
			fi
		done
	done
done

# A script in MERGED whose #! interpreter is static: the interpreter is
# what LD_PRELOAD cannot follow, and what the message names.
run - "$EDGEPROG/execs" execve "$M/bin/script"
refused "execve of a script whose interpreter is static" "$T/outside/static-hello" "execve: EPERM" 1
run outside "$EDGEPROG/execs" execve "$M/bin/script"
ran "a script in MERGED with a static interpreter outside, UNION_UNWRAPPED_EXEC=outside" "static ran"

# A dynamic program is never refused.
run - "$EDGEPROG/execs" execve /bin/cat "$M/f"
ran "execve of a dynamic program (cat M/f)" "lower file"

# Without the library nothing is refused (the check lives in the library).
rc=0
out=$("$T/outside/static-hello" 2>&1) || rc=$?
expect_eq "without the union the static program runs" "static ran/0" "$out/$rc"

[ -z "$(ls -A "$D/upper" | grep -v '^\.union$' || true)" ] ||
	fail "the upper holds files after only exec: $(ls -A "$D/upper")"
lowers_check
un_done
