#!/bin/bash
# diff-unsearchable-dir: (the fallback where no user namespace may be made: UNION_TEST_NO_USERNS=1) an ordinary user who made a directory of the union 0600 (`chmod 600 d` in the view: the upper holds d so, with the changes in it) can still list the union's changes: union diff, union export and union convert --from-overlay read the user's own upper, lending its owner u+rx (convert: u+rwx) for the time of the walk (tools/lend.c), and the mode is back afterwards, also after a kill of the command (its watcher puts it back) and after a kill of the command and its watcher (the next command does).  A directory of another owner is not lent: the command fails, saying which.  Session 17's layers.py --as-user seed 209 found it (XFAIL until session 18).
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/tools/toolslib.sh"
need_union
if ! is_root; then
	skip "needs root to become the user nobody"
fi
# The lend itself: the fallback of a machine that refuses a user
# namespace (tools/userns.c; diff-userns-dir.sh tests the namespace).
export UNION_TEST_NO_USERNS=1

D=$T/d
mkdir -p "$D/l1/d/e" "$D/up"
echo x >"$D/l1/d/x"
echo y >"$D/l1/d/y"
echo z >"$D/l1/d/e/z"
fix_times "$D"
chown -R 65534:65534 "$D"
as_nobody "$UNION_CMD" run -l "$D/l1" -u "$D/up" -m "$D/m" -- sh -c '
	cd "$1" && echo more >>d/x && rm d/y && echo n >d/n &&
	echo 0 >d/e/secret && chmod 000 d/e/secret && chmod 300 d/e &&
	chmod 600 d' sh "$D/m"
expect_eq "the upper's d is 0600" 600 "$(stat -c %a "$D/up/d")"
expect_eq "the upper's d/e is 0300" 300 "$(stat -c %a "$D/up/d/e")"

want="C $D/m/d
C $D/m/d/e
A $D/m/d/e/secret
A $D/m/d/n
C $D/m/d/x
D $D/m/d/y"
modes() { stat -c %a "$D/up/d" "$D/up/d/e" "$D/up/d/e/secret" | tr '\n' ' '; }
# Wait for a watcher still at work (it holds the upper's lock).
wait_lock() { flock "$D/up/.union" true; }

out=$(as_nobody "$UNION_CMD" diff "$D/up" 2>"$T/err") ||
	fail "union diff as its owner failed: $(cat "$T/err")"
expect_eq "union diff as its owner" "$want" "$out"
expect_eq "the modes after diff" "600 300 0 " "$(modes)"
out=$("$UNION_CMD" diff "$D/up" 2>"$T/err") ||
	fail "union diff as root failed: $(cat "$T/err")"
expect_eq "union diff as root" "$want" "$out"

as_nobody "$UNION_CMD" export -o "$D/layer.tar" "$D/up" 2>"$T/err" ||
	fail "union export as its owner failed: $(cat "$T/err")"
expect_eq "the modes after export" "600 300 0 " "$(modes)"
expect_eq "the layer's d and d/e keep their modes" \
	"drw------- d/
d-wx------ d/e/" "$(tar tvf "$D/layer.tar" | awk '$6 == "d/" ||
	$6 == "d/e/" { print $1, $6 }')"
expect_eq "the layer's secret file" 0 \
	"$(tar xOf "$D/layer.tar" d/e/secret 2>&1)"
expect_eq "no journal left" "" "$(ls "$D/up/.union" | grep lend || :)"

# A kill of the command while d and d/e are lent: its watcher puts the
# modes back.
UNION_TEST_LEND_ABORT=2 as_nobody "$UNION_CMD" diff "$D/up" \
	>/dev/null 2>&1 && fail "the abort hook did not kill union diff"
wait_lock
expect_eq "the modes after a killed diff" "600 300 0 " "$(modes)"
expect_eq "no journal left after a killed diff" "" \
	"$(ls "$D/up/.union" | grep lend || :)"

# The command and its watcher killed: the modes stay lent until the next
# command, which puts them back before it reads them.
UNION_TEST_LEND_ABORT=2w as_nobody "$UNION_CMD" export "$D/up" \
	>/dev/null 2>&1 && fail "the abort hook did not kill union export"
expect_eq "the modes lent while nobody watches" "700 700 0 " "$(modes)"
out=$(as_nobody "$UNION_CMD" diff "$D/up" 2>"$T/err") ||
	fail "union diff after a kill failed: $(cat "$T/err")"
expect_eq "union diff after a kill" "$want" "$out"
expect_eq "the modes after the next diff" "600 300 0 " "$(modes)"
grep -q "putting back the modes" "$T/err" ||
	fail "the next diff did not say it put modes back: $(cat "$T/err")"

# Another owner's directory is not lent: the command fails, naming it.
chown 0:0 "$D/up/d/e"
as_nobody "$UNION_CMD" diff "$D/up" >/dev/null 2>"$T/err" &&
	fail "union diff of another owner's 0300 directory succeeded"
grep -q "cannot read the directory '$D/up/d/e': Permission denied" "$T/err" ||
	fail "the message for another owner's directory: $(cat "$T/err")"
expect_eq "the modes after the failed diff" "600 300 0 " "$(modes)"
chown 65534:65534 "$D/up/d/e"

# convert --from-overlay over an upper of the kernel's format: a 0/0
# device in a 0600 directory becomes a record, the mode stays.
K=$T/k
mkdir -p "$K/up/d"
chown -R 65534:65534 "$K"
if as_nobody mknod "$K/up/d/gone" c 0 0 2>/dev/null; then
	as_nobody chmod 600 "$K/up/d"
	as_nobody "$UNION_CMD" convert --from-overlay "$K/up" 2>"$T/err" ||
		fail "union convert --from-overlay as its owner failed: $(cat "$T/err")"
	expect_eq "the kernel upper's d after convert" 600 \
		"$(stat -c %a "$K/up/d")"
	expect_eq "the device is gone" "" "$(ls -A "$K/up/d" 2>&1)"
	grep -q '^w d/gone$' "$K/up/.union/whiteouts" ||
		fail "no record of d/gone: $(cat "$K/up/.union/whiteouts")"
else
	un_log "note: nobody may not make a 0/0 device here: convert not tried"
fi
un_done
