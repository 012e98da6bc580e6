#!/bin/bash
# supervise-go: Debian's go command (a dynamically linked Go program)
# runs inside an in-place union under the supervisor (issue 12 part 2):
# `go build` and `go test` of a module lying in the lower, with GOCACHE
# and GOPATH inside MERGED, succeed; the binary, what it writes and the
# caches are in the upper; the lower is unchanged; a cgo and a plain Go
# program run from MERGED write into the upper; as root and as nobody.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
GO=$(command -v go || true)
[ -n "$GO" ] || skip "needs the Go toolchain (Debian package golang-go): not installed"
UNION_CMD=${UNION_CMD:-$PWD/tools/union}
[ -x "$UNION_CMD" ] || UNION_CMD=$TOP_SRCDIR/tools/union
[ -x "$UNION_CMD" ] || { fail "the union command is not built"; un_done; }
[ -x "$(dirname "$UNION_CMD")/union-supervise" ] ||
	skip "no supervisor built beside $UNION_CMD"
unset UNION_SUPERVISOR GOROOT 2>/dev/null || true
export GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GO111MODULE=on \
	GOTELEMETRY=off

# run WHO: the whole scenario as root or as nobody, in $T/WHO.
run() {
	local who=$1 d=$T/$1 as=()
	mkdir -p "$d/lower/proj/hello" "$d/upper" "$d/home"
	chmod 755 "$T"
	cat >"$d/lower/proj/hello/main.go" <<'GO'
package main

import "os"

func Greeting() string { return "hello from Go\n" }

func main() {
	if err := os.WriteFile("out.txt", []byte(Greeting()), 0o644); err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
	os.Stdout.WriteString(Greeting())
}
GO
	cat >"$d/lower/proj/hello/main_test.go" <<'GO'
package main

import (
	"os"
	"testing"
)

func TestGreeting(t *testing.T) {
	if Greeting() != "hello from Go\n" {
		t.Fatal("wrong greeting")
	}
	b, err := os.ReadFile("main.go")
	if err != nil || len(b) == 0 {
		t.Fatal("cannot read main.go from the union:", err)
	}
}
GO
	printf 'module example.com/hello\n\ngo 1.19\n' >"$d/lower/proj/hello/go.mod"
	if [ "$who" = nobody ]; then
		chown -R 65534:65534 "$d"
		as=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
	fi
	lowers_snapshot "$d/lower"
	local rc=0
	bounded 300 "${as[@]}" env HOME="$d/home" GOCACHE="$d/lower/cache" \
		GOPATH="$d/lower/gopath" \
		"$UNION_CMD" run -u "$d/upper" -l "$d/lower" -- sh -c '
		cd "$1/proj/hello" && go build -o hello . && ./hello && cat out.txt &&
		go test ./... 2>&1 | awk "{print \$1}"' sh "$d/lower" \
		>"$T/out-$who" 2>"$T/err-$who" </dev/null || rc=$?
	local want
	want=$(printf 'hello from Go\nhello from Go\nok')
	[ "$rc" = 0 ] && [ "$(cat "$T/out-$who")" = "$want" ] ||
		fail "$who: go build/run/test in the union: status $rc, out: $(cat "$T/out-$who"), err: $(head -c 1500 "$T/err-$who")"
	local f
	for f in proj/hello/hello proj/hello/out.txt cache; do
		[ -e "$d/upper/$f" ] || fail "$who: $f is not in the upper"
		[ ! -e "$d/lower/$f" ] || fail "$who: $f was written into the lower"
	done
	lowers_check
}

run root
is_root && run nobody
un_done
