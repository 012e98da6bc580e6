#!/bin/bash
# supervise-go: Debian's go command (a dynamically linked Go program)
# runs inside an in-place union under the supervisor (issue 12 part 2):
# `go build` and `go test` of a module lying in the lower, with GOCACHE
# and GOPATH inside MERGED, succeed; the binary, what it writes and the
# caches are in the upper; the lower is unchanged; as root and as nobody.
# As root, the same steps are then made over a kernel overlay mounted on
# the same lower at the same path (so the paths Go records are the same)
# and the merged trees compared: every path outside GOCACHE with its
# type, mode and, for files, size, link count and sha256 (the module, the
# built binary, out.txt, GOPATH), and within GOCACHE the directories
# only: its files are named by hashes of inputs that include times and
# ids (test results, trim.txt), different between any two runs.
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

# The steps, in MERGED=$1; the merged tree's listing (see above) goes to
# $2.  listing and its helpers are given to sh in the environment.
# (go test -vet=off: vet, one more pass over the same files, was half
# the test's CPU time.)
STEPS='cd "$1/proj/hello" && go build -o hello . && ./hello && cat out.txt &&
	go test -vet=off ./... 2>&1 | awk "{print \$1}" &&
	bash -c "eval \"\$UN_LISTING\"; listing \"\$1\"" sh "$1" |
	awk "\$1 !~ /^cache\// || \$2 == \"d\"" >"$2"'
UN_LISTING=$(declare -f listing _un_listing_walk _un_listing_fmt)
export UN_LISTING

# The kernel's overlay is compared as root only (it mounts one).
KERNEL=0
if is_root; then
	mkdir -p "$T/probe/l" "$T/probe/u" "$T/probe/w" "$T/probe/m"
	if mount -t overlay overlay -o "lowerdir=$T/probe/l,upperdir=$T/probe/u,workdir=$T/probe/w" \
		"$T/probe/m" 2>"$T/probe/err"; then
		umount "$T/probe/m"
		KERNEL=1
	else
		un_log "SKIP (a part): no kernel overlay to compare with: $(cat "$T/probe/err")"
	fi
	rm -rf "$T/probe"
fi

# run WHO: the whole scenario as root or as nobody, in $T/WHO.
run() {
	local who=$1 d=$T/$1 as=()
	mkdir -p "$d/lower/proj/hello" "$d/upper" "$d/home" "$d/kupper"
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
		"$UNION_CMD" run -u "$d/upper" -l "$d/lower" -- sh -c "$STEPS" \
		sh "$d/lower" "$d/list-union" \
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
	[ "$KERNEL" = 1 ] || return 0

	# the same steps over the kernel's overlay of the same lower,
	# mounted on it (the same paths)
	kernel_mount "$d/lower" "$d/kupper" "$d/kwork" "$d/lower" || return 0
	rc=0
	bounded 300 "${as[@]}" env HOME="$d/home" GOCACHE="$d/lower/cache" \
		GOPATH="$d/lower/gopath" sh -c "$STEPS" sh "$d/lower" \
		"$d/list-kernel" >"$T/kout-$who" 2>"$T/kerr-$who" </dev/null ||
		rc=$?
	kernel_umount "$d/lower"
	[ "$rc" = 0 ] && cmp -s "$T/out-$who" "$T/kout-$who" ||
		fail "$who: the kernel overlay's run differs: status $rc, out: $(cat "$T/kout-$who"), err: $(head -c 1500 "$T/kerr-$who")"
	if ! cmp -s "$d/list-kernel" "$d/list-union"; then
		fail "$who: the merged tree differs from the kernel overlay's (-kernel +union):"
		diff -u "$d/list-kernel" "$d/list-union" | head -n 60 >&2
	fi
	grep -q '^proj/hello/hello f' "$d/list-union" ||
		fail "$who: the listing of the merged tree lacks the binary"
}

run root
is_root && run nobody
un_done
