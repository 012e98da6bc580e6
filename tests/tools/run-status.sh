#!/bin/bash
# run-status: `union run` passes the command's exit status through.
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/tools/toolslib.sh"
need_union

mkdir -p "$T/l"
echo hello >"$T/l/f"

rc=0; u run -l "$T/l" -- sh -c 'exit 0' || rc=$?
expect_eq "exit 0 passes through" 0 "$rc"
rc=0; u run -l "$T/l" -- sh -c 'exit 7' || rc=$?
expect_eq "exit 7 passes through" 7 "$rc"
rc=0; u run -l "$T/l" -- sh -c 'exit 255' || rc=$?
expect_eq "exit 255 passes through" 255 "$rc"
rc=0; u run -l "$T/l" -- sh -c 'kill -TERM $$' || rc=$?
expect_eq "SIGTERM gives 128+15" 143 "$rc"
rc=0; u run -l "$T/l" -- sh -c 'kill -KILL $$' || rc=$?
expect_eq "SIGKILL gives 128+9" 137 "$rc"

# With an upper of its own, union execs the command: same statuses.
rc=0; u run -l "$T/l" -u "$T/up" -- sh -c 'exit 9' || rc=$?
expect_eq "exit 9 with a given upper" 9 "$rc"
rc=0; u run -l "$T/l" -u "$T/up" -- sh -c 'kill -TERM $$' || rc=$?
expect_eq "SIGTERM with a given upper" 143 "$rc"

# The shells' statuses for a command that cannot run.
rc=0; u run -l "$T/l" -- "$T/no-such-command" 2>"$T/err" || rc=$?
expect_eq "a missing command gives 127" 127 "$rc"
expect_eq "its message" "union: $T/no-such-command: No such file or directory" "$(cat "$T/err")"
rc=0; u run -l "$T/l" -- "$T/l/f" 2>/dev/null || rc=$?
expect_eq "a command that cannot be executed gives 126" 126 "$rc"

# The command's output, through the union.
expect_eq "the command reads the union" hello "$(u run -l "$T/l" -- cat "$T/l/f")"

# Usage errors are union's own failures: 125.
rc=0; u run 2>"$T/err" || rc=$?
expect_eq "no lower gives 125" 125 "$rc"
grep -q 'at least one --lower' "$T/err" || fail "no message for a missing --lower: $(cat "$T/err")"
rc=0; u run -l "$T/l" --bogus 2>/dev/null || rc=$?
expect_eq "an unknown option gives 125" 125 "$rc"
rc=0; u run -l 2>/dev/null || rc=$?
expect_eq "a missing argument gives 125" 125 "$rc"
rc=0; u bogus 2>/dev/null || rc=$?
expect_eq "an unknown command gives 2" 2 "$rc"
expect_eq "--help" 0 "$(u --help >/dev/null; echo $?)"

un_done
