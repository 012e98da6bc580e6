#!/bin/bash
# upper-options: diff, export, commit and convert read one command line
# (tools/options.c): -l/--lower, -m/--merged, -h/--help, their own
# options and one operand, the UPPER; usage errors exit 2 with a message
# and the usage on stderr, --help exits 0 with the usage on stdout.
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/tools/toolslib.sh"
need_union

mkdir -p "$T/l" "$T/up"
echo hello >"$T/l/f"
u run -l "$T/l" -u "$T/up" -- sh -c "echo new >$T/l/g; rm $T/l/f"

# what each command shows as its usage, first line
declare -A usage=(
	[diff]="usage: union diff [--json] [-l|--lower DIR]... [-m|--merged PATH] UPPER"
	[export]="usage: union export [-o|--output FILE] [-z|--gzip] [-l|--lower DIR]... [-m|--merged PATH] UPPER"
	[commit]="usage: union commit [-l|--lower DIR]... [-m|--merged PATH] UPPER"
	[convert]="usage: union convert --to-overlay [--userxattr] [-l|--lower DIR]... UPPER"
)

for cmd in diff export commit convert; do
	rc=0; u "$cmd" --help >"$T/out" 2>"$T/err" || rc=$?
	expect_eq "$cmd --help exits 0" 0 "$rc"
	expect_eq "$cmd --help: the usage on stdout" "${usage[$cmd]}" "$(head -1 "$T/out")"
	expect_eq "$cmd --help: nothing on stderr" "" "$(cat "$T/err")"

	rc=0; u "$cmd" --bogus "$T/up" >"$T/out" 2>"$T/err" || rc=$?
	expect_eq "$cmd --bogus exits 2" 2 "$rc"
	expect_eq "$cmd --bogus: said" "union: $cmd: unknown option '--bogus'" "$(head -1 "$T/err")"
	expect_eq "$cmd --bogus: then the usage" "${usage[$cmd]}" "$(sed -n 2p "$T/err")"
	expect_eq "$cmd --bogus: nothing on stdout" "" "$(cat "$T/out")"

	rc=0; u "$cmd" "$T/up" -l 2>"$T/err" || rc=$?
	expect_eq "$cmd -l without its argument exits 2" 2 "$rc"
	expect_eq "$cmd -l without its argument: said" "union: $cmd: missing argument of option '-l'" "$(head -1 "$T/err")"

	rc=0; u "$cmd" 2>"$T/err" || rc=$?
	expect_eq "$cmd without an upper exits 2" 2 "$rc"
	expect_eq "$cmd without an upper: the usage" "${usage[$cmd]}" "$(head -1 "$T/err")"

	rc=0; u "$cmd" "$T/up" "$T/up" 2>"$T/err" || rc=$?
	expect_eq "$cmd with two uppers exits 2" 2 "$rc"
	expect_eq "$cmd with two uppers: the usage" "${usage[$cmd]}" "$(head -1 "$T/err")"
done

# The options reach the command: -l and -m name the layers of an upper
# that has no layers file (diff and export), --json and -o theirs.
cp -a "$T/up" "$T/up2"
rm "$T/up2/.union/layers"
rc=0; u diff "$T/up2" >/dev/null 2>"$T/err" || rc=$?
expect_eq "diff without layers or -l fails" 1 "$rc"
expect_eq "diff -l" "A /g D /f" "$(u diff -l "$T/l" "$T/up2" | sort | tr '\n' ' ' | sed 's/ $//; s|'"$T"'/l||g')"
expect_eq "diff --json" '[' "$(u diff --json --lower "$T/l" -m "$T/l" "$T/up2" | head -c 1)"
u export -o "$T/layer.tar" -l "$T/l" "$T/up2"
expect_eq "export -o writes the layer" ".wh.f g" "$(tar tf "$T/layer.tar" | sort | tr '\n' ' ' | sed 's/ $//')"

# convert: a direction, and only one.
rc=0; u convert "$T/up" 2>"$T/err" || rc=$?
expect_eq "convert without a direction exits 2" 2 "$rc"
expect_eq "convert without a direction: the usage" "${usage[convert]}" "$(head -1 "$T/err")"
rc=0; u convert --to-overlay --from-overlay "$T/up" 2>"$T/err" || rc=$?
expect_eq "convert both ways exits 2" 2 "$rc"
expect_eq "convert both ways: said" "union: convert: --to-overlay or --from-overlay, not both" "$(cat "$T/err")"

un_done
