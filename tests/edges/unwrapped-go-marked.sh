#!/bin/bash
# unwrapped-go-marked: exec refuses a dynamic program marked as Go (a "Go" ELF note found through PT_NOTE, or a .go.buildinfo section found through the section headers) as it refuses a static one, in and out of MERGED, under each UNION_UNWRAPPED_EXEC policy; an unmarked program runs.  No Go toolchain needed (unwrapped-go.sh runs real Go programs).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
need_edgeprog execs

cc_build go-note go-marked.c -DMARK_NOTE || fail "cannot build go-marked.c -DMARK_NOTE"
cc_build go-buildinfo go-marked.c -DMARK_BUILDINFO || fail "cannot build go-marked.c -DMARK_BUILDINFO"
cc_build go-plain go-marked.c || fail "cannot build go-marked.c"
[ "$UN_FAILS" = 0 ] || un_done
# The marks are where the test means them to be (else it tests nothing).
readelf -nW "$T/go-note" | grep -q 'Go .*GO BUILDID' ||
	fail "go-note has no Go note: $(readelf -nW "$T/go-note")"
readelf -SW "$T/go-note" | grep -q 'go\.build' &&
	fail "go-note has a Go section name (the note must be found through PT_NOTE alone)"
readelf -SW "$T/go-buildinfo" | grep -q ' \.go\.buildinfo ' ||
	fail "go-buildinfo has no .go.buildinfo section"
readelf -nW "$T/go-buildinfo" | grep -q 'Go ' &&
	fail "go-buildinfo has a Go note (the section must be found alone)"

D=$T/d
M=$T/m
mkdir -p "$D/upper" "$D/lower/bin" "$T/outside"
chmod 755 "$D" "$D/lower" "$D/lower/bin" "$T/outside"
for p in go-note go-buildinfo go-plain; do
	cp "$T/$p" "$D/lower/bin/$p"
	cp "$T/$p" "$T/outside/$p"
done
echo "lower file" >"$D/lower/f"
chown -R 65534:65534 "$D/upper" 2>/dev/null || true
lowers_snapshot "$D/lower"
SPEC=$(un_spec "$M" "$D/upper" "$D/lower")

# run POLICY CMD...: under the union ("-": no policy); OUT ERR RC.
run() {
	local policy=$1 pe=()
	shift
	[ "$policy" = - ] || pe=("UNION_UNWRAPPED_EXEC=$policy")
	RC=0
	env -u UNION_UNWRAPPED_EXEC "${pe[@]}" UNION_LAYERS="$SPEC" \
		LD_PRELOAD="$LIBUNION" "$@" >"$T/out" 2>"$T/err" || RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
}

refused() {
	local what=$1 shown=$2 eout=$3 erc=$4
	if ! grep -qF "libunion: refusing to run $shown: it is a Go program" "$T/err"; then
		fail "$what: expected 'libunion: refusing to run $shown: it is a Go program...' on stderr, got: $ERR"
	elif ! grep -q 'UNION_UNWRAPPED_EXEC' "$T/err"; then
		fail "$what: the refusal does not name UNION_UNWRAPPED_EXEC: $ERR"
	elif [ "$OUT" != "$eout" ] || [ "$RC" != "$erc" ]; then
		fail "$what: expected output '$eout' status $erc, got '$OUT' status $RC"
	else
		echo "ok: $what: refused"
	fi
}

ran() {
	local what=$1
	if [ "$RC" = 0 ] && grep -q 'marked program ran' "$T/out" &&
		! grep -q '^libunion:' "$T/err"; then
		echo "ok: $what: ran"
	else
		fail "$what: expected to run, got '$OUT' status $RC stderr: $ERR"
	fi
}

for prog in go-note go-buildinfo; do
	for where in outside inside; do
		if [ $where = outside ]; then p=$T/outside/$prog; else p=$M/bin/$prog; fi
		for policy in - refuse outside allow; do
			runs=0
			case $policy/$where in
			allow/*) runs=1 ;;
			outside/outside) runs=1 ;;
			esac
			tag="$prog $where MERGED, UNION_UNWRAPPED_EXEC=$policy"
			# (when it runs, it writes into the union's upper)
			run "$policy" "$EDGEPROG/execs" execve "$p" "$M/written-$prog-$where-$policy"
			if [ $runs = 1 ]; then ran "execve $tag"
			else refused "execve $tag" "$p" "execve: EPERM" 1; fi

			run "$policy" "$EDGEPROG/execs" spawn "$p"
			if [ $runs = 1 ]; then ran "posix_spawn $tag"
			else refused "posix_spawn $tag" "$p" "posix_spawn: EPERM" 1; fi

			# By descriptor: the merged path names it in a union.
			for how in fexecve execveat-empty; do
				run "$policy" "$EDGEPROG/execs" $how "$p"
				if [ $runs = 1 ]; then ran "$how $tag"
				else refused "$how $tag" "$([ $where = inside ] && echo "$p" || echo /proc/self/fd/3)" "$how: EPERM" 1; fi
			done
		done
	done
	# A shell (dash, preloaded) running it from MERGED: the shell's exec
	# is what refuses, and the shell says 126.
	run - sh -c "\"$M/bin/$prog\" \"$M/by-sh\""
	if [ "$RC" = 126 ] && grep -qF "libunion: refusing to run $M/bin/$prog: it is a Go program" "$T/err"; then
		echo "ok: sh -c $prog: refused, status 126"
	else
		fail "sh -c $prog: expected a refusal and status 126, got '$OUT' status $RC stderr: $ERR"
	fi
	# As an unprivileged user too.
	RC=0
	setpriv --reuid=65534 --regid=65534 --clear-groups -- env UNION_LAYERS="$SPEC" \
		LD_PRELOAD="$LIBUNION" "$EDGEPROG/execs" execve "$M/bin/$prog" "$M/by-nobody" \
		>"$T/out" 2>"$T/err" || RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
	refused "execve $prog as nobody" "$M/bin/$prog" "execve: EPERM" 1
done

# An unmarked program runs, in MERGED too.
run - "$EDGEPROG/execs" execve "$M/bin/go-plain" "$M/by-plain"
ran "execve of the unmarked program in MERGED"
expect_eq "the unmarked program wrote into the upper" "written" "$(cat "$D/upper/by-plain" 2>&1)"
rm -f "$D/upper/by-plain"

# Nothing but what the allowed runs wrote reached the upper; the lower
# holds nothing new.
got=$(cd "$D/upper" && ls -A | grep -v '^\.union$' | grep -v '^written-.*-allow$' | grep -v '^written-go-.*-outside-outside$' || true)
expect_eq "the refused programs wrote nothing" "" "$got"
lowers_check
un_done
