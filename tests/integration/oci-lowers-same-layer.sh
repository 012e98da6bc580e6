#!/bin/bash
# oci-lowers-same-layer: an OCI layer holding both .wh.NAME and NAME (the image spec: the whiteout takes NAME from the layers below only, the layer's own NAME stays) shows NAME to a listing as to a lookup, whichever of the two the layer's directory lists first.  readdir.c took the marker's NAME as hidden and skipped the layer's own NAME read after it (session 17, tests/stress/layers.py --oci): stat found it, ls did not.  Compared with the layers applied in order (oci-apply.py; umoci as root where installed).  Root and nobody.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_lib || un_done
need_cmd python3 || un_done

# check ME WHO: the layers (owned by the player), then its views.
check() {
	local me=$1 who=$2 L=$T/$2 i
	mkdir -p "$L/1/d" "$L/2/d"
	for i in a b c e; do
		echo "below $i" >"$L/1/d/$i"
	done
	echo "below dir" >"$L/1/d/f" && rm "$L/1/d/f" && mkdir "$L/1/d/f" &&
		echo "below in f" >"$L/1/d/f/x"
	# The marker made before the name and after it (a directory lists
	# them in some order of its own: one of each is read after).
	: >"$L/2/d/.wh.a"
	echo "layer 2 a" >"$L/2/d/a"
	echo "layer 2 b" >"$L/2/d/b"
	: >"$L/2/d/.wh.b"
	: >"$L/2/d/.wh.c"
	mkdir "$L/2/d/f"
	echo "layer 2 in f" >"$L/2/d/f/y"
	: >"$L/2/d/.wh.f"
	fix_times "$L"
	for i in 1 2; do
		tar -C "$L/$i" --numeric-owner -cf "$T/$who.layer$i.tar" .
	done
	mkdir "$T/$who.ref"
	python3 "$TOP_SRCDIR/tests/tools/oci-apply.py" "$T/$who.ref" \
		"$T/$who.layer1.tar" "$T/$who.layer2.tar"
	[ -z "$me" ] || chown -R 65534:65534 "$L" "$T/$who.ref"
	lowers_snapshot "$L/1" "$L/2"

	local spec view ref names
	spec="$(un_escape "$T/$who.m")=:$(un_escape "$L/2"):$(un_escape "$L/1")"
	view=$($me env UNION_OCI_LOWERS=1 UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
		bash -c "$(declare -f listing _un_listing_walk _un_listing_fmt); listing '$T/$who.m'")
	ref=$(listing "$T/$who.ref")
	expect_eq "$who: the union of the layers equals their application" "$ref" "$view"
	names=$($me env UNION_OCI_LOWERS=1 UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
		ls -A "$T/$who.m/d" | tr '\n' ' ')
	expect_eq "$who: ls lists the layer's own names beside their markers" \
		"a b e f " "$names"
	expect_eq "$who: and a lookup finds them" "layer 2 a layer 2 b" \
		"$($me env UNION_OCI_LOWERS=1 UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
			cat "$T/$who.m/d/a" "$T/$who.m/d/b" | tr '\n' ' ' | sed 's/ $//')"
	lowers_check
}

check "" "$(id -un)"
if is_root; then
	check as_nobody nobody
else
	printf '\nSKIP (part): %s: the as-nobody part needs root\n\n' "$UN_NAME" >&2
fi
un_done
