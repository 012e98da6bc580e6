#!/bin/bash
# run-errors: `union run` checks the layers and the library before it runs anything.
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/tools/toolslib.sh"
need_union

mkdir -p "$T/l"
echo file >"$T/l/f"
ran=$T/ran

rc=0
out=$(cd "$T" && u run -l l -l missing -- touch "$ran" 2>&1) || rc=$?
expect_eq "a missing lower: status 125" 125 "$rc"
expect_eq "a missing lower: message" "union: lower 'missing' does not exist" "$out"
expect_true "a missing lower: nothing ran" test ! -e "$ran"

rc=0
out=$(u run -l "$T/l/f" -- touch "$ran" 2>&1) || rc=$?
expect_eq "a lower that is a file: status 125" 125 "$rc"
expect_eq "a lower that is a file: message" "union: lower '$T/l/f' is not a directory" "$out"

echo file >"$T/file"
rc=0
out=$(u run -l "$T/l" -u "$T/file" -- touch "$ran" 2>&1) || rc=$?
expect_eq "an upper that is a file: status 125" 125 "$rc"
expect_eq "an upper that is a file: message" "union: upper '$T/file' is not a directory" "$out"

rc=0
out=$(u run -l "$T/l" -u "$T/l" -- touch "$ran" 2>&1) || rc=$?
expect_eq "an upper that is a lower: status 125" 125 "$rc"
expect_eq "an upper that is a lower: message" \
	"union: run: the upper '$T/l' lies in the merged path '$T/l'" "$out"
mkdir -p "$T/l/up"
rc=0
out=$(u run -l "$T/l" -u "$T/l/up" -m "$T/m" -- touch "$ran" 2>&1) || rc=$?
expect_eq "an upper inside a lower: status 125" 125 "$rc"
expect_eq "an upper inside a lower: message" \
	"union: run: the upper '$T/l/up' lies in the lower '$T/l'" "$out"
rc=0
out=$(u run -l "$T/l/up" -u "$T/l" -m "$T/m" -- touch "$ran" 2>&1) || rc=$?
expect_eq "a lower inside the upper: message" \
	"union: run: the upper '$T/l' holds the lower '$T/l/up'" "$out"
rc=0
out=$(u run -l "$T/l" -u "$T/m/up" -m "$T/m" -- touch "$ran" 2>&1) || rc=$?
expect_eq "an upper inside MERGED: message" \
	"union: run: the upper '$T/m/up' lies in the merged path '$T/m'" "$out"
expect_true "overlapping layers: nothing ran" test ! -e "$ran"
expect_true "overlapping layers: no upper made" test ! -e "$T/m"

# A library that does not load must not let the command run unprotected
# (ld.so would only warn and run it on the real directories).
rc=0
out=$(UNION_LIBRARY=/etc/passwd u run -l "$T/l" -- touch "$ran" 2>&1) || rc=$?
expect_eq "a library that does not load: status 125" 125 "$rc"
case $out in
"union: the library '/etc/passwd' does not load: "*) printf 'ok: %s\n' "its message" ;;
*) fail "a library that does not load: message: $out" ;;
esac
expect_true "a library that does not load: nothing ran" test ! -e "$ran"

rc=0
out=$(UNION_LIBRARY=$T/nowhere.so u run -l "$T/l" -- touch "$ran" 2>&1) || rc=$?
expect_eq "a missing library: status 125" 125 "$rc"
expect_eq "a missing library: message" \
	"union: UNION_LIBRARY '$T/nowhere.so': No such file or directory" "$out"
expect_true "a missing library: nothing ran" test ! -e "$ran"

# Without UNION_LIBRARY the build tree's library is found (when the
# command runs from a build tree, as here).
if [ "$(dirname "$UNION_CMD_REAL")" = "$(cd "$(dirname "$LIBUNION_SO")/../../tools" 2>/dev/null && pwd)" ]; then
	out=$(env -u UNION_LIBRARY "$UNION_CMD" run -l "$T/l" -- sh -c 'echo "$LD_PRELOAD"')
	expect_eq "the build tree's library is found" \
		"$(cd "$(dirname "$LIBUNION_SO")" && pwd -P)/libunion.so${UN_SAN_RT:+:$UN_SAN_RT}" "$out"
else
	un_log "note: not checked: $UNION_CMD_REAL is not the command of the build tree of $LIBUNION_SO"
fi

un_done
