#!/bin/bash
# oci-layers-commands: with UNION_OCI_LOWERS=1 the union command reads the lowers' OCI markers as the library does: `union diff` names no .wh. file and no name the layers hid, `union export`'s layer applied over the image's layers gives the view (oci-apply.py; umoci as root), and `union commit` writes OCI markers into the top layer, the view kept.  Root and nobody.  (Session 17: the commands read the markers as ordinary names.)
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/tools/toolslib.sh"
need_union
need_cmd python3 || un_done
APPLY=$TOP_SRCDIR/tests/tools/oci-apply.py

# layers DIR: three OCI layers DIR/1 (bottom) .. DIR/3 (top), and their
# tar files DIR/layerN.tar.
layers() {
	local L=$1 i
	mkdir -p "$L/1/etc" "$L/1/usr/bin" "$L/1/var/cache" "$L/1/opt/app" "$L/1/srv"
	echo "base os" >"$L/1/etc/os-release"
	echo "base passwd" >"$L/1/etc/passwd"
	echo "base group" >"$L/1/etc/group"
	echo tool >"$L/1/usr/bin/tool"
	echo cache >"$L/1/var/cache/pkg"
	echo "old app" >"$L/1/opt/app/old"
	echo "srv data" >"$L/1/srv/data"
	mkdir -p "$L/2/etc" "$L/2/var/cache" "$L/2/opt/app"
	: >"$L/2/etc/.wh.os-release"
	echo "layer2 passwd" >"$L/2/etc/passwd"
	: >"$L/2/var/cache/.wh..wh..opq"
	echo fresh >"$L/2/var/cache/fresh"
	echo "new app" >"$L/2/opt/app/new"
	mkdir -p "$L/3/usr/bin" "$L/3/etc"
	: >"$L/3/.wh.srv"
	: >"$L/3/usr/bin/.wh.tool"
	echo "tool 3" >"$L/3/usr/bin/tool3"
	echo "group 3" >"$L/3/etc/group"
	fix_times "$L"
	for i in 1 2 3; do
		tar -C "$L/$i" --numeric-owner -cf "$L/layer$i.tar" .
	done
}

# play ME WHO: the layers (owned by the player), changes through the
# union, then the commands.
play() {
	local me=$1 who=$2 D=$T/$2
	local lo=(-l "$D/L/3" -l "$D/L/2" -l "$D/L/1")
	mkdir -p "$D"
	layers "$D/L"
	mkdir "$D/up"
	[ -z "$me" ] || chown -R 65534:65534 "$D"
	$me "$UNION_CMD" run "${lo[@]}" -u "$D/up" -m "$D/m" -- sh -c '
		cd "$1" && rm etc/passwd && echo more >>etc/group &&
		rm -r opt/app && mkdir opt/app && echo x >opt/app/x &&
		mkdir srv && echo new >srv/new && rm var/cache/fresh &&
		echo t >usr/bin/tool' sh "$D/m"
	u_view "${lo[@]}" -u "$D/up" -m "$D/m" >"$T/$who.view"

	# diff: what the union changes, the OCI markers read.
	expect_eq "$who: union diff" "C $D/m/etc
C $D/m/etc/group
D $D/m/etc/passwd
C $D/m/opt
C $D/m/opt/app
D $D/m/opt/app/new
D $D/m/opt/app/old
A $D/m/opt/app/x
A $D/m/srv
A $D/m/srv/new
C $D/m/usr/bin
A $D/m/usr/bin/tool
C $D/m/var/cache
D $D/m/var/cache/fresh" "$($me "$UNION_CMD" diff "$D/up")"

	# export: applied over the image's layers, the view.
	$me "$UNION_CMD" export -o "$D/layer.tar" "$D/up"
	mkdir "$T/$who.ref"
	python3 "$APPLY" "$T/$who.ref" "$D/L/layer1.tar" "$D/L/layer2.tar" \
		"$D/L/layer3.tar" "$D/layer.tar"
	[ -z "$me" ] || chown -R 65534:65534 "$T/$who.ref"
	listing -o "$T/$who.ref" >"$T/$who.applied"
	expect_true "$who: the exported layer applied over the image gives the view" \
		cmp "$T/$who.view" "$T/$who.applied"
	cmp -s "$T/$who.view" "$T/$who.applied" ||
		diff -u "$T/$who.view" "$T/$who.applied" >&2 || true

	# commit: the top layer gets the changes as OCI markers.
	$me "$UNION_CMD" commit "$D/up" || fail "$who: union commit failed"
	expect_eq "$who: commit: no whiteout device in the top layer" "" \
		"$(find "$D/L/3" -type c)"
	u_view "${lo[@]}" -m "$D/m" >"$T/$who.committed"
	expect_true "$who: commit: the layers show the view" \
		cmp "$T/$who.view" "$T/$who.committed"
	cmp -s "$T/$who.view" "$T/$who.committed" ||
		diff -u "$T/$who.view" "$T/$who.committed" >&2 || true
	# and are still an image: applied in order, the view again.
	tar -C "$D/L/3" --numeric-owner -cf "$T/$who.layer3.tar" .
	mkdir "$T/$who.ref2"
	python3 "$APPLY" "$T/$who.ref2" "$D/L/layer1.tar" "$D/L/layer2.tar" \
		"$T/$who.layer3.tar"
	[ -z "$me" ] || chown -R 65534:65534 "$T/$who.ref2"
	listing -o "$T/$who.ref2" >"$T/$who.applied2"
	expect_true "$who: commit: the layers applied in order give the view" \
		cmp "$T/$who.view" "$T/$who.applied2"
	cmp -s "$T/$who.view" "$T/$who.applied2" ||
		diff -u "$T/$who.view" "$T/$who.applied2" >&2 || true
}

export UNION_OCI_LOWERS=1
play "" "$(id -un)"
if is_root; then
	play as_nobody nobody
else
	printf '\nSKIP: %s: the as-nobody part needs root\n\n' "$UN_NAME" >&2
fi

un_done
