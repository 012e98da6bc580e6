#!/bin/bash
# export-layer: `union export` writes the changes as an OCI layer that a consumer applies to get the merged view.
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/tools/toolslib.sh"
need_union

D=$T/t
make_change_tree "$D"
M=$D/m
long=$(printf 'long-name-%.0s' 1 2 3 4 5 6 7 8 9 10 11 12)
u run -l "$D/l1" -l "$D/l2" -u "$D/up" -m "$M" -- sh -c '
	cd "$1" && echo linked >hl1 && ln hl1 n/hl2 && mkfifo fifo &&
	mkdir -p "deep/$2" && echo long >"deep/$2/$2.txt" &&
	ln -s "deep/$2/$2.txt" longlink && echo x >attr &&
	{ setfattr -n user.test -v hello attr 2>/dev/null || true; }
' sh "$M" "$long"

u export -o "$T/layer.tar" "$D/up"
tar -tf "$T/layer.tar" >"$T/names" || fail "tar cannot read the layer"
expect_eq "whiteouts come first in each directory, as entries of tree order" \
".wh.b
a
attr
d/
d/.wh.x2
d/sub/
d/sub/y
deep/
deep/$long/
deep/$long/$long.txt
e/
e/.wh..wh..opq
e/g
fifo
hl1
link
longlink
n/
n/hl2
n/m/
n/m/q
new
sp ace" "$(cat "$T/names")"
tar -tvf "$T/layer.tar" >"$T/verbose"
grep -q '^hrw-r--r-- .* n/hl2 link to hl1$' "$T/verbose" || fail "no hard link entry: $(grep hl2 "$T/verbose")"
grep -q '^lrwxrwxrwx .* link -> new$' "$T/verbose" || fail "no symlink entry"
grep -q '^prw-r--r-- .* fifo$' "$T/verbose" || fail "no fifo entry"
grep -q '^-rw------- .* d/sub/y$' "$T/verbose" || fail "the mode of d/sub/y is not kept"
if getfattr -n user.test "$D/up/attr" >/dev/null 2>&1; then
	mkdir "$T/x"
	tar --xattrs --xattrs-include='*' -C "$T/x" -xf "$T/layer.tar" attr 2>/dev/null
	expect_eq "xattrs travel as SCHILY.xattr records" hello \
		"$(getfattr --only-values -n user.test "$T/x/attr" 2>/dev/null)"
fi
# The copies' origins (the library's xattr, where the upper takes user.*
# xattrs) stay out of the layer: they mean nothing outside the upper.
if getfattr -n user.libunion.origin "$D/up/a" >/dev/null 2>&1; then
	expect_eq "no copy's origin in the layer" 0 \
		"$(grep -c -a 'libunion\.origin' "$T/layer.tar" || true)"
else
	printf 'SKIP: export-layer: origins: the upper holds none here (no user.* xattrs)\n'
fi

# --gzip, and stdout.
u export --gzip -o "$T/layer.tgz" "$D/up"
expect_eq "--gzip: the same entries" "$(cat "$T/names")" "$(tar -tzf "$T/layer.tgz")"
u export "$D/up" >"$T/stdout.tar"
expect_true "stdout: the same archive" cmp "$T/layer.tar" "$T/stdout.tar"

# The base (the lowers, flattened) plus the layer is the merged view.
u run -l "$D/l1" -l "$D/l2" -m "$M" -- tar --numeric-owner -C "$M" -cf "$T/base.tar" .
u_view -l "$D/l1" -l "$D/l2" -u "$D/up" -m "$M" | grep -v '^\. ' >"$T/merged.list"
"$PYTHON" "$TOP_SRCDIR/tests/tools/oci-apply.py" "$T/rootfs" "$T/base.tar" "$T/layer.tar"
listing -o "$T/rootfs" | grep -v '^\. ' >"$T/applied.list"
if cmp -s "$T/merged.list" "$T/applied.list"; then
	echo "ok: base + layer (oci-apply.py) = the merged view"
else
	fail "base + layer (oci-apply.py) differs from the merged view"
	diff -u "$T/merged.list" "$T/applied.list" >&2 || true
fi

# The same with umoci, a real consumer of OCI images.
if ! command -v umoci >/dev/null 2>&1; then
	printf '\nSKIP: %s: the umoci comparison needs umoci (Debian package umoci)\n\n' "$UN_NAME" >&2
elif ! is_root; then
	printf '\nSKIP: %s: the umoci comparison runs as root\n\n' "$UN_NAME" >&2
else
	(
		cd "$T"
		umoci init --layout img
		umoci new --image img:t
		umoci raw add-layer --no-history --image img:t base.tar
		umoci raw add-layer --no-history --image img:t layer.tar
		umoci raw unpack --image img:t umoci-rootfs
	) >"$T/umoci.log" 2>&1 || { cat "$T/umoci.log" >&2; fail "umoci failed"; }
	listing -o "$T/umoci-rootfs" | grep -v '^\. ' >"$T/umoci.list"
	if cmp -s "$T/merged.list" "$T/umoci.list"; then
		echo "ok: base + layer (umoci) = the merged view"
	else
		fail "base + layer (umoci) differs from the merged view"
		diff -u "$T/merged.list" "$T/umoci.list" >&2 || true
	fi
	if [ -e "$T/x/attr" ]; then
		expect_eq "umoci restores the xattr" hello \
			"$(getfattr --only-values -n user.test "$T/umoci-rootfs/attr" 2>/dev/null)"
	fi
fi

un_done
