#!/bin/bash
# commit-apply: `union commit` writes the changes into the lowers, empties the upper, and finishes when run again after a kill.
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/tools/toolslib.sh"
need_union

# view DIR [UPPER]: the merged view of DIR's lowers (and UPPER), with
# the modification times of everything but symlinks.
view() {
	local up=()
	[ $# -gt 1 ] && up=(-u "$2")
	u_view -l "$1/l1" -l "$1/l2" "${up[@]+"${up[@]}"}" -m "$1/m"
	"$UNION_CMD" run -l "$1/l1" -l "$1/l2" "${up[@]+"${up[@]}"}" -m "$1/m" -- \
		find "$1/m" ! -type l -printf 'mtime %P %T@\n' | sort
}

# upper_left UPPER: what the upper still holds besides .union.
upper_left() {
	(cd "$1" && find . -mindepth 1 -path ./.union -prune -o -printf '%P\n' | sort)
}

# fresh DIR: a copy of the pristine layers at DIR, its upper pointed at
# them (UPPER/.union/layers names absolute paths).
fresh() {
	rm -rf "$1"
	cp -a "$T/pristine" "$1"
	u run -l "$1/l1" -l "$1/l2" -u "$1/up" -m "$1/m" -- true
}

check_committed() {
	local what=$1 d=$2 before=$3
	view "$d" >"$T/after"
	if cmp -s "$before" "$T/after"; then
		echo "ok: $what: the lowers show what the union showed"
	else
		fail "$what: the lowers do not show what the union showed"
		diff -u "$before" "$T/after" >&2 || true
	fi
	expect_eq "$what: the upper is empty" "" "$(upper_left "$d/up")"
	expect_eq "$what: the table is empty" "libunion-whiteouts 1" \
		"$(cat "$d/up/.union/whiteouts")"
	expect_true "$what: no commit under way" test ! -e "$d/up/.union/commit"
}

D=$T/t
make_change_tree "$D"
mtime=$(stat -c %Y "$D/up/new")
view "$D" "$D/up" >"$T/before"
cp -a "$D" "$T/pristine"

have_origins=$(getfattr -R -m '^user\.libunion\.' "$D/up" 2>/dev/null | grep -c '^# file' || true)
u commit "$D/up"
check_committed "commit" "$D" "$T/before"
# The copies' origins (the library's xattr) stay in the upper's files.
if [ "$have_origins" -gt 0 ]; then
	expect_eq "commit: no copy's origin in the lowers" "" \
		"$(getfattr -R -m '^user\.libunion\.' "$D/l1" "$D/l2" 2>/dev/null)"
else
	printf 'SKIP: commit-apply: origins: the upper holds none here (no user.* xattrs)\n'
fi
expect_eq "commit keeps the times" "$mtime" "$(stat -c %Y "$D/l1/new")"
expect_true "commit keeps the top lower's other files" test -f "$D/l1/d/x1"

# Again: nothing to do, nothing changes.
lowers_snapshot "$D/l1" "$D/l2"
u commit "$D/up"
lowers_check
check_committed "a second commit" "$D" "$T/before"

# Killed after each step in turn, then run again.
n=1
while :; do
	fresh "$T/k"
	rc=0
	# (In a subshell that reports the kill itself, to /dev/null.)
	(UNION_TEST_COMMIT_ABORT=$n "$UNION_CMD" commit "$T/k/up"; exit $?) \
		2>/dev/null || rc=$?
	[ "$rc" = 0 ] && break
	if [ "$rc" != 137 ]; then
		fail "commit killed at step $n: status $rc, not 137"
		break
	fi
	view "$T/k" "$T/k/up" >"$T/mid"
	cmp -s "$T/before" "$T/mid" ||
		fail "killed at step $n: the union changed meanwhile ($(diff "$T/before" "$T/mid" | head -n 5 | tr '\n' ' '))"
	u commit "$T/k/up" 2>"$T/err" || fail "killed at step $n: the second commit failed: $(cat "$T/err")"
	grep -q "finishing an interrupted commit" "$T/err" ||
		fail "killed at step $n: the second commit did not notice"
	check_committed "killed at step $n" "$T/k" "$T/before" >/dev/null
	n=$((n + 1))
done
if [ "$n" -gt 5 ]; then
	echo "ok: killed at each of $((n - 1)) steps, a second run finishes the commit"
else
	fail "the commit had only $((n - 1)) steps"
fi

# Killed between the making of a file's copy in the top lower and its
# rename over the name (strace kills it at its second rename, the first
# being the marker's): the copy (.union-commit-H) must not show in the
# union meanwhile (session 17: it did until the rerun).
if need_strace 2>/dev/null; then
	fresh "$T/st"
	rc=0
	(strace -f -qq -o /dev/null -e trace=rename -e inject=rename:signal=KILL:when=2 \
		"$UNION_CMD" commit "$T/st/up"; exit $?) 2>/dev/null || rc=$?
	expect_eq "killed at its second rename: status" 137 "$rc"
	expect_true "killed at its second rename: a copy stands in the top lower" \
		sh -c 'ls -A "$1" | grep -q "^\.union-commit-"' sh "$T/st/l1"
	view "$T/st" "$T/st/up" >"$T/st.mid"
	cmp -s "$T/before" "$T/st.mid" ||
		fail "killed at its second rename: the union changed meanwhile ($(diff "$T/before" "$T/st.mid" | grep '^[<>]' | head -n 4 | tr '\n' ' '))"
	u commit "$T/st/up" 2>/dev/null || fail "killed at its second rename: the rerun failed"
	check_committed "killed at its second rename, run again" "$T/st" "$T/before"
	expect_eq "killed at its second rename, run again: no copy left" "" \
		"$(ls -A "$T/st/l1" | grep '^\.union-')"
else
	printf 'SKIP: commit-apply: a kill at a rename needs strace\n'
fi

# Directories the user may not search (0600, 0644) holding changes, one
# made by the commit in the top lower (only in l2): the command lifts
# their modes for its work and sets them at the end.  Killed after each
# step, the rerun's result shows them as before (session 17: a kill left
# 0700, which the rerun took for the user's).  Meanwhile the union shows
# the lifted modes (the commit's own: nothing may use the union then).
# ME: the user's prefix (as_nobody or nothing).
lifted() {
	local me=$1 who=$2 n=1 rc
	while :; do
		rm -rf "$T/p"
		mkdir -p "$T/p/l1/d/s" "$T/p/l2/e"
		echo a >"$T/p/l1/d/a"
		echo b >"$T/p/l1/d/s/b"
		echo f >"$T/p/l2/e/f"
		echo g >"$T/p/l2/e/g"
		fix_times "$T/p"
		[ -z "$me" ] || chown -R 65534:65534 "$T/p"
		$me "$UNION_CMD" run -l "$T/p/l1" -l "$T/p/l2" -u "$T/p/up" -m "$T/p/m" -- sh -c '
			cd "$1" && echo A >>d/a && rm d/s/b && echo c >d/s/c &&
			rm e/f && chmod 600 d/s e && chmod 644 d' sh "$T/p/m"
		view "$T/p" "$T/p/up" >"$T/p.before"
		rc=0
		(UNION_TEST_COMMIT_ABORT=$n $me "$UNION_CMD" commit "$T/p/up"; exit $?) \
			2>/dev/null || rc=$?
		[ "$rc" = 0 ] && break
		$me "$UNION_CMD" commit "$T/p/up" 2>/dev/null ||
			fail "$who: modes lifted, killed at step $n: the rerun failed"
		view "$T/p" >"$T/p.after"
		cmp -s "$T/p.before" "$T/p.after" ||
			fail "$who: modes lifted, killed at step $n, run again: the lowers show $(diff "$T/p.before" "$T/p.after" | grep '^[<>]' | head -n 4 | tr '\n' ' ')"
		n=$((n + 1))
	done
	expect_true "$who: modes lifted: more than two steps ($((n - 1)))" test "$n" -gt 3
}
lifted "" "$(id -un)"
if is_root; then
	lifted as_nobody nobody
fi

# A single lower: the lower becomes the merged view.
mkdir -p "$T/s/l1/dir/sub"
echo old >"$T/s/l1/old"
echo gone >"$T/s/l1/dir/gone"
echo deep >"$T/s/l1/dir/sub/deep"
mkdir -p "$T/s/l2"
u run -l "$T/s/l1" -u "$T/s/up" -- sh -c '
	cd "$1" && echo new >old && rm dir/gone && rm -r dir/sub && mkdir dir/sub &&
	echo n >dir/sub/n && mkdir -p a/b && ln -s ../old a/b/l' sh "$T/s/l1"
u_view -l "$T/s/l1" -u "$T/s/up" -m "$T/s/l1" >"$T/s.before"
u commit "$T/s/up"
listing -o "$T/s/l1" >"$T/s.after"
expect_eq "one lower: it holds the merged view" "$(cat "$T/s.before")" "$(cat "$T/s.after")"
if is_root; then
	expect_eq "one lower: no whiteout devices or opaque xattrs needed" "" \
		"$(find "$T/s/l1" -type c; getfattr -R -m overlay "$T/s/l1" 2>/dev/null)"
fi

# As an ordinary user (Linux lets anyone make the 0/0 whiteout devices;
# the opaque xattr goes in the user namespace).
if is_root; then
	fresh "$T/n"
	chown -R 65534:65534 "$T/n"
	view "$T/n" "$T/n/up" >"$T/n.before"
	as_nobody "$UNION_CMD" commit "$T/n/up" || fail "commit as nobody failed"
	check_committed "as nobody" "$T/n" "$T/n.before"
	if getfattr -n user.overlay.opaque "$T/n/l1/e" >/dev/null 2>&1; then
		echo "ok: as nobody: the opaque xattr is user.overlay.opaque"
	else
		fail "as nobody: l1/e has no user.overlay.opaque"
	fi
else
	printf '\nSKIP: %s: the as-nobody part needs root to become nobody\n\n' "$UN_NAME" >&2
fi

# A top lower that cannot be written: an error, and the union is intact.
if is_root; then
	fresh "$T/ro"
	chown -R 65534:65534 "$T/ro/up"
	view "$T/ro" "$T/ro/up" >"$T/ro.before"
	rc=0; as_nobody "$UNION_CMD" commit "$T/ro/up" 2>"$T/err" || rc=$?
	expect_eq "a read-only top lower: status 1" 1 "$rc"
	grep -q "Permission denied" "$T/err" || fail "a read-only top lower: message: $(cat "$T/err")"
	view "$T/ro" "$T/ro/up" >"$T/ro.view"
	expect_true "a read-only top lower: the union still shows the same" \
		cmp "$T/ro.before" "$T/ro.view"
fi

un_done
