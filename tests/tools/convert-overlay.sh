#!/bin/bash
# convert-overlay: an upper converted to overlayfs's format mounts with the kernel and shows the same tree, and back.
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/tools/toolslib.sh"
need_union

# compare WHAT A B: two listings must agree.
compare() {
	if cmp -s "$2" "$3"; then
		echo "ok: $1"
	else
		fail "$1"
		diff -u "$2" "$3" >&2 || true
	fi
}

# origins DIR: the files below DIR that hold the library's record of a
# copy's lower file (user.libunion.origin), sorted.
origins() {
	(cd "$1" && getfattr -R -P -m '^user\.libunion\.' . 2>/dev/null) |
		sed -n 's|^# file: ||p' | LC_ALL=C sort
}

# mount_kernel DIR: the kernel's overlay of DIR/l1:DIR/l2 with DIR/up at DIR/m.
mount_kernel() {
	mkdir -p "$1/w" "$1/m"
	kernel_mount "$1/m" "$1/up" "$1/w" "$1/l1" "$1/l2"
}

# --- as an ordinary user: trusted.* cannot be set; nothing changes ----
D=$T/t
make_change_tree "$D"
if is_root; then
	chown -R 65534:65534 "$D/up"
	cp "$D/up/.union/whiteouts" "$T/table.saved"
	rc=0; as_nobody "$UNION_CMD" convert --to-overlay "$D/up" 2>"$T/err" || rc=$?
	expect_eq "to-overlay without privilege: status 1" 1 "$rc"
	grep -q "cannot set trusted.overlay.opaque.*needs root" "$T/err" ||
		fail "to-overlay without privilege: message: $(cat "$T/err")"
	expect_true "to-overlay without privilege: the table is untouched" \
		cmp "$T/table.saved" "$D/up/.union/whiteouts"
	expect_eq "to-overlay without privilege: no device made" "" "$(find "$D/up" -type c)"
	chown -R 0:0 "$D/up"
fi

need_kernel_overlay
# Every copy-up records its lower file (where the upper's file system
# takes user.* xattrs: tmpfs since Linux 6.6).
origins_made=$(origins "$D/up")
if [ "$origins_made" = "a
d/sub/y" ]; then
	printf 'ok: the copies record their origins\n'
	# A directory copy-up killed after its rename leaves its mark
	# (preload/copy_up.c): removed as the origins are.
	setfattr -n user.libunion.staged -v 1 "$D/up/d"
elif [ -z "$origins_made" ] && ! setfattr -n user.probe -v 1 "$D/up/a" 2>/dev/null; then
	printf 'SKIP: convert-overlay: origins: the upper takes no user.* xattr here\n'
else
	fail "the copies' origins: $(echo $origins_made)"
fi

# --- libunion's upper -> the kernel -----------------------------------
u_view -l "$D/l1" -l "$D/l2" -u "$D/up" -m "$D/m" >"$T/union.list"
u convert --to-overlay "$D/up"
expect_true "to-overlay: .union is gone" test ! -e "$D/up/.union"
expect_eq "to-overlay: no copy's origin left" "" "$(origins "$D/up")"
expect_eq "to-overlay: whiteout devices" "b 0:0
d/x2 0:0" "$(cd "$D/up" && find . -type c -exec stat -c '%n %t:%T' {} + | sed 's|^\./||' | sort)"
expect_eq "to-overlay: the opaque directory" y \
	"$(getfattr --only-values -n trusted.overlay.opaque "$D/up/e" 2>/dev/null)"
mount_kernel "$D"
listing -o "$D/m" >"$T/kernel.list"
compare "the kernel shows what libunion showed" "$T/union.list" "$T/kernel.list"

# More changes by the kernel, then back to libunion.
(cd "$D/m" && rm a d/x1 && rm -r d/sub && echo k >d/k && rm -r n && mkdir n && echo kn >n/kn)
listing -o "$D/m" >"$T/kernel2.list"
kernel_umount "$D/m"
u convert --from-overlay -l "$D/l1" -l "$D/l2" -m "$D/m" "$D/up"
expect_eq "from-overlay: no devices left" "" "$(find "$D/up" -type c)"
expect_eq "from-overlay: no opaque xattrs left" "" \
	"$(getfattr -R -P -m 'overlay.opaque' "$D/up" 2>/dev/null)"
u_view -l "$D/l1" -l "$D/l2" -u "$D/up" -m "$D/m" >"$T/union2.list"
compare "libunion shows what the kernel showed" "$T/kernel2.list" "$T/union2.list"

# --- an upper made by the kernel alone --------------------------------
K=$T/k
mkdir -p "$K/l1/dir/sub" "$K/l2/dir" "$K/l2/other" "$K/up"
echo 1 >"$K/l1/dir/one"
echo s >"$K/l1/dir/sub/s"
echo 2 >"$K/l2/dir/two"
echo o >"$K/l2/other/o"
echo t >"$K/l2/top"
fix_times "$K"
mount_kernel "$K"
(cd "$K/m" && rm top dir/two && rm -r other && mkdir other && echo new >other/new &&
	echo x >>dir/one && mkdir fresh && ln -s dir fresh/link)
listing -o "$K/m" >"$T/k.list"
kernel_umount "$K/m"
u convert --from-overlay -l "$K/l1" -l "$K/l2" -m "$K/m" "$K/up"
expect_eq "from-overlay: the table (in the order found)" "libunion-whiteouts 1
w dir/two
o other
w top" "$(cat "$K/up/.union/whiteouts")"
# The tool made the lock file, of version 2, and raised its `begun`
# before it wrote the table, as every writer must (union_format.c): a
# running process on the writer's shortcut then reads the table again.
expect_eq "from-overlay: a lock file of version 2" UNWTGEN2 \
	"$(head -c 8 "$K/up/.union/lock")"
expect_eq "from-overlay: begun raised by the tool's write" 1 \
	"$(od -An -t u8 -j 40 -N 8 "$K/up/.union/lock" | tr -d ' ')"
u_view -l "$K/l1" -l "$K/l2" -u "$K/up" -m "$K/m" >"$T/k.union.list"
compare "a kernel-made upper under libunion" "$T/k.list" "$T/k.union.list"
expect_eq "diff of a kernel-made upper" "C $K/m/dir
C $K/m/dir/one
D $K/m/dir/two
A $K/m/fresh
A $K/m/fresh/link
C $K/m/other
A $K/m/other/new
D $K/m/other/o
D $K/m/top" "$(u diff "$K/up")"

# --- as an ordinary user, for an overlay mounted with userxattr -------
X=$T/x
make_change_tree "$X"
# Copies the user may not change, in a directory the user may not
# change: their origins go all the same, and the modes stay.
chmod 444 "$X/up/a"
chmod 400 "$X/up/d/sub/y"
chmod 500 "$X/up/d/sub"
u_view -l "$X/l1" -l "$X/l2" -u "$X/up" -m "$X/m" >"$T/x.union.list"
chown -R 65534:65534 "$X/up"
as_nobody "$UNION_CMD" convert --to-overlay --userxattr "$X/up" ||
	fail "to-overlay --userxattr as nobody failed"
expect_eq "--userxattr: user.overlay.opaque" y \
	"$(getfattr --only-values -n user.overlay.opaque "$X/up/e" 2>/dev/null)"
expect_eq "--userxattr as nobody: no copy's origin left" "" "$(origins "$X/up")"
expect_eq "--userxattr as nobody: the modes kept" "444 500 400" \
	"$(stat -c %a "$X/up/a" "$X/up/d/sub" "$X/up/d/sub/y" | tr '\n' ' ' | sed 's/ $//')"
chown -R 0:0 "$X/up"
UN_KERNEL_OPTS=userxattr mount_kernel "$X"
listing -o "$X/m" >"$T/x.kernel.list"
kernel_umount "$X/m"
compare "--userxattr: the kernel (userxattr) shows what libunion showed" \
	"$T/x.union.list" "$T/x.kernel.list"

# --- as an ordinary user, back from an overlay mounted with userxattr --
# The user may not remove trusted.* (EPERM, not ENODATA): that is "not
# there", not a failure (session 17: every opaque directory failed).
Y=$T/y
mkdir -p "$Y/l1/dir" "$Y/l2/other" "$Y/up"
echo 1 >"$Y/l1/dir/one"
echo o >"$Y/l2/other/o"
echo t >"$Y/l2/top"
fix_times "$Y"
chown -R 65534:65534 "$Y"
UN_KERNEL_OPTS=userxattr mount_kernel "$Y"
as_nobody sh -c 'cd "$1" && rm top && rm -r other && mkdir other &&
	echo new >other/new && echo 2 >>dir/one' sh "$Y/m"
listing -o "$Y/m" >"$T/y.kernel.list"
kernel_umount "$Y/m"
expect_eq "userxattr: the kernel made other opaque" y \
	"$(getfattr --only-values -n user.overlay.opaque "$Y/up/other" 2>/dev/null)"
as_nobody "$UNION_CMD" convert --from-overlay -l "$Y/l1" -l "$Y/l2" \
	-m "$Y/m" "$Y/up" 2>"$T/err" ||
	fail "from-overlay as nobody failed: $(cat "$T/err")"
expect_eq "from-overlay as nobody: no opaque xattr left" "" \
	"$(getfattr -R -P -m 'overlay.opaque' "$Y/up" 2>/dev/null)"
u_view -l "$Y/l1" -l "$Y/l2" -u "$Y/up" -m "$Y/m" >"$T/y.union.list"
compare "from-overlay as nobody: libunion shows what the kernel showed" \
	"$T/y.kernel.list" "$T/y.union.list"

# --- killed after each change, then run again --------------------------
# The times of the directories it changes are put back at its end: a
# kill left them changed, for good (session 17), the kernel and the
# library then showing new ones.  times DIR: every modification time.
times() {
	find "$1" ! -type l -printf '%P %T@\n' | LC_ALL=C sort
}
n=1
while :; do
	rm -rf "$T/kc"
	make_change_tree "$T/kc"
	"$UNION_CMD" run -l "$T/kc/l1" -l "$T/kc/l2" -u "$T/kc/up" -m "$T/kc/m" -- \
		bash -c "$(declare -f times); times \"\$1\"" times "$T/kc/m" >"$T/kc.union"
	rc=0
	(UNION_TEST_CONVERT_ABORT=$n "$UNION_CMD" convert --to-overlay "$T/kc/up"; exit $?) \
		2>/dev/null || rc=$?
	[ "$rc" = 0 ] && break
	u convert --to-overlay "$T/kc/up" ||
		fail "to-overlay killed after change $n: the rerun failed"
	mount_kernel "$T/kc"
	times "$T/kc/m" >"$T/kc.kernel"
	kernel_umount "$T/kc/m"
	compare "to-overlay killed after change $n, run again: the kernel shows the times" \
		"$T/kc.union" "$T/kc.kernel"
	rc=0
	(UNION_TEST_CONVERT_ABORT=$n "$UNION_CMD" convert --from-overlay "$T/kc/up"; exit $?) \
		2>/dev/null || rc=$?
	u convert --from-overlay "$T/kc/up" ||
		fail "from-overlay killed after change $n: the rerun failed"
	"$UNION_CMD" run -l "$T/kc/l1" -l "$T/kc/l2" -u "$T/kc/up" -m "$T/kc/m" -- \
		bash -c "$(declare -f times); times \"\$1\"" times "$T/kc/m" >"$T/kc.back"
	compare "from-overlay killed after change $n, run again: the library shows the times" \
		"$T/kc.union" "$T/kc.back"
	n=$((n + 1))
done
expect_true "convert: killed after each of $((n - 1)) changes (more than 2)" test "$n" -gt 3

# And to the kernel again: the same tree.
u convert --to-overlay "$K/up"
mount_kernel "$K"
listing -o "$K/m" >"$T/k.again.list"
kernel_umount "$K/m"
compare "back to the kernel: the same tree" "$T/k.list" "$T/k.again.list"

un_done
