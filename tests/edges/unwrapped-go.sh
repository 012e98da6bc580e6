#!/bin/bash
# unwrapped-go: real Go programs (one with cgo, dynamically linked, one without) and Debian's go command are refused in a union, by execve, by a shell and by `union run`, and the lowers stay unchanged (before, `go build` in a union wrote its output into the lower).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
need_edgeprog execs
GO=$(command -v go || true)
[ -n "$GO" ] || skip "needs the Go toolchain (Debian package golang-go): not installed"
UNION_CMD=${UNION_CMD:-$PWD/tools/union}
[ -x "$UNION_CMD" ] || UNION_CMD=$TOP_SRCDIR/tools/union
[ -x "$UNION_CMD" ] || { fail "the union command is not built"; un_done; }

# The toolchain's caches and module settings in $T, offline.
export GOCACHE=$T/gocache GOPATH=$T/gopath GOFLAGS=-mod=mod GOPROXY=off \
	GOTOOLCHAIN=local GO111MODULE=on GOTELEMETRY=off
unset GOROOT 2>/dev/null || true

# build NAME SRC CGO: go build of tests/edges/go/SRC into $T/NAME.
build() {
	local name=$1 src=$2 cgo=$3
	mkdir -p "$T/src/$src"
	cp "$EDGESRC/go/$src/main.go" "$T/src/$src/"
	printf 'module example.com/%s\n\ngo 1.19\n' "$src" >"$T/src/$src/go.mod"
	if ! (cd "$T/src/$src" && CGO_ENABLED=$cgo "$GO" build -o "$T/$name" .) \
		>"$T/build-$name.log" 2>&1; then
		fail "go build of $src (CGO_ENABLED=$cgo): $(head -c 800 "$T/build-$name.log")"
		un_done
	fi
}
build go-plain plain 0
build go-cgo cgo 1
# The cgo one is the case that matters: dynamic, so no static check
# refuses it.
readelf -lW "$T/go-cgo" | grep -q 'Requesting program interpreter' ||
	fail "the cgo program is not dynamically linked: $(file "$T/go-cgo")"

D=$T/d
M=$T/m
mkdir -p "$D/upper" "$D/upper-nobody" "$D/lower/bin" "$D/lower/proj/hello"
chown 65534:65534 "$D/upper-nobody"
cp "$T/go-plain" "$T/go-cgo" "$D/lower/bin/"
cp "$EDGESRC/go/plain/main.go" "$D/lower/proj/hello/"
printf 'module example.com/hello\n\ngo 1.19\n' >"$D/lower/proj/hello/go.mod"
echo "lower file" >"$D/lower/f"
chmod -R a+rX "$D"
lowers_snapshot "$D/lower"
SPEC=$(un_spec "$M" "$D/upper" "$D/lower")
SPEC_NOBODY=$(un_spec "$M" "$D/upper-nobody" "$D/lower")

check_refused() {
	local what=$1 shown=$2 rc=$3 erc=$4
	if ! grep -qF "libunion: refusing to run $shown: it is " "$T/err"; then
		fail "$what: no refusal naming $shown on stderr: $(cat "$T/err")"
	elif grep -q 'go program ran' "$T/out"; then
		fail "$what: the program ran"
	elif [ "$rc" != "$erc" ]; then
		fail "$what: status $rc, expected $erc: $(cat "$T/err")"
	else
		echo "ok: $what: refused ($(grep -o 'it is [^,]*' "$T/err" | head -n1))"
	fi
}

for prog in go-cgo go-plain; do
	for who in root nobody; do
		pre=() spec=$SPEC
		if [ $who = nobody ]; then
			pre=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
			spec=$SPEC_NOBODY
		fi
		rc=0
		"${pre[@]}" env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
			"$EDGEPROG/execs" execve "$M/bin/$prog" "$M/out-$prog" \
			>"$T/out" 2>"$T/err" </dev/null || rc=$?
		check_refused "execve of $prog in MERGED as $who" "$M/bin/$prog" "$rc" 1
		rc=0
		"${pre[@]}" env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
			sh -c "cd \"$M/bin\" && ./$prog \"$M/out-$prog\"" \
			>"$T/out" 2>"$T/err" </dev/null || rc=$?
		check_refused "sh -c ./$prog in MERGED as $who" "./$prog" "$rc" 126
	done
	# `union run` straight into it (the library's execvp refuses; with
	# no supervisor: supervise-go.sh runs them under it).
	rc=0
	UNION_SUPERVISOR= "$UNION_CMD" run -u "$D/upper" -m "$M" -l "$D/lower" -- "$M/bin/$prog" "$M/out-$prog" \
		>"$T/out" 2>"$T/err" </dev/null || rc=$?
	check_refused "union run $prog" "$M/bin/$prog" "$rc" 126
done

# The issue's case: Debian's go command building a module that lies in
# an in-place union over a lower.  go is a dynamically linked Go program.
rc=0
UNION_SUPERVISOR= "$UNION_CMD" run -u "$D/upper" -l "$D/lower" -- sh -c \
	"cd \"$D/lower/proj/hello\" && go build -o hello ." \
	>"$T/out" 2>"$T/err" </dev/null || rc=$?
check_refused "union run -- sh -c 'go build' in place over the lower" "$GO" "$rc" 126
rc=0
UNION_SUPERVISOR= "$UNION_CMD" run -u "$D/upper" -l "$D/lower" -- go version >"$T/out" 2>"$T/err" </dev/null || rc=$?
check_refused "union run -- go version" "$GO" "$rc" 126

# Outside every MERGED the policy `outside` lets a Go program run.
rc=0
env UNION_UNWRAPPED_EXEC=outside UNION_LAYERS="$SPEC" LD_PRELOAD="$LIBUNION" \
	"$EDGEPROG/execs" execve "$T/go-cgo" >"$T/out" 2>"$T/err" || rc=$?
expect_eq "UNION_UNWRAPPED_EXEC=outside runs a Go program outside MERGED" \
	"go program ran
0" "$(cat "$T/out"; echo "$rc")"

expect_eq "nothing reached the uppers" "" \
	"$(cd "$D" && ls -A upper upper-nobody | grep -v '^\.union$' | grep -v '^upper.*:$' | grep -v '^$' || true)"
[ ! -e "$D/lower/proj/hello/hello" ] || fail "go build wrote hello into the lower"
lowers_check
un_done
