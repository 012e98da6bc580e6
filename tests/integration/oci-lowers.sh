#!/bin/bash
# oci-lowers: with UNION_OCI_LOWERS=1, extracted OCI image layers stack as
# lowers: .wh.NAME hides NAME below, .wh..wh..opq makes a directory
# opaque, and the markers never show.  Compared with umoci's unpack of
# the same image (as root, where umoci is installed) and with an
# independent application of the layers (tests/tools/oci-apply.py).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_lib || un_done
need_cmd python3 || un_done

# Three layers, as a container image would ship them.
L=$T/layers
mkdir -p "$L/1/etc" "$L/1/usr/bin" "$L/1/var/cache/apt" "$L/1/opt/app"
echo "base os" >"$L/1/etc/os-release"
echo "base passwd" >"$L/1/etc/passwd"
echo "tool" >"$L/1/usr/bin/tool"
chmod 755 "$L/1/usr/bin/tool"
echo "cache" >"$L/1/var/cache/apt/pkgcache"
echo "old app" >"$L/1/opt/app/old"
ln -s tool "$L/1/usr/bin/tool-link"

mkdir -p "$L/2/etc" "$L/2/var/cache/apt" "$L/2/opt/app" "$L/2/srv"
echo "layer2 passwd" >"$L/2/etc/passwd"
: >"$L/2/etc/.wh.os-release"
: >"$L/2/var/cache/apt/.wh..wh..opq"
echo "fresh cache" >"$L/2/var/cache/apt/newcache"
: >"$L/2/opt/app/.wh..wh..opq"
echo "new app" >"$L/2/opt/app/new"
echo "srv" >"$L/2/srv/data"

mkdir -p "$L/3/usr/bin"
: >"$L/3/usr/bin/.wh.tool-link"
: >"$L/3/.wh.srv"
mkdir -p "$L/3/srv2"
echo "moved" >"$L/3/srv2/data"
fix_times "$L"
lowers_snapshot "$L/1" "$L/2" "$L/3"

# The reference: the layers applied in order from their tar files.
for i in 1 2 3; do
	tar -C "$L/$i" --numeric-owner -cf "$T/layer$i.tar" .
done
mkdir "$T/ref"
python3 "$TOP_SRCDIR/tests/tools/oci-apply.py" "$T/ref" \
	"$T/layer1.tar" "$T/layer2.tar" "$T/layer3.tar"

# The union: top layer first, a read-only union.
view=$(UNION_OCI_LOWERS=1 UNION_LAYERS="$(un_escape "$T/rootfs")=:$(un_escape "$L/3"):$(un_escape "$L/2"):$(un_escape "$L/1")" \
	LD_PRELOAD="$LIBUNION" bash -c "$(declare -f listing _un_listing_walk _un_listing_fmt); listing '$T/rootfs'")
ref=$(listing "$T/ref")
if [ "$view" != "$ref" ]; then
	fail "the union of the layers differs from their application"
	diff -u <(printf '%s\n' "$ref") <(printf '%s\n' "$view") >&2 || true
else
	echo "ok: $UN_NAME: union of 3 OCI layers equals their application"
fi

# Without the opt-in the markers are ordinary files.
plain=$(UNION_LAYERS="$(un_escape "$T/rootfs")=:$(un_escape "$L/3"):$(un_escape "$L/2"):$(un_escape "$L/1")" \
	LD_PRELOAD="$LIBUNION" ls -A "$T/rootfs/etc")
case $plain in
*.wh.os-release*) echo "ok: $UN_NAME: without UNION_OCI_LOWERS the markers show" ;;
*) fail "without UNION_OCI_LOWERS, .wh.os-release should be an ordinary name" ;;
esac

# umoci, a real consumer, unpacks the same image the same way.
if command -v umoci >/dev/null 2>&1 && is_root; then
	(
		cd "$T"
		umoci init --layout img
		umoci new --image img:t
		for i in 1 2 3; do
			umoci raw add-layer --no-history --image img:t "layer$i.tar"
		done
		umoci raw unpack --image img:t umoci-rootfs
	) >"$T/umoci.log" 2>&1 || { cat "$T/umoci.log" >&2; fail "umoci failed"; }
	if [ -d "$T/umoci-rootfs" ]; then
		got=$(listing "$T/umoci-rootfs")
		if [ "$got" != "$view" ]; then
			fail "umoci's unpack differs from the union"
			diff -u <(printf '%s\n' "$got") <(printf '%s\n' "$view") >&2 || true
		else
			echo "ok: $UN_NAME: umoci's unpack equals the union"
		fi
	fi
else
	printf '\nSKIP (part): %s: the umoci comparison needs umoci and root\n\n' "$UN_NAME" >&2
fi

lowers_check
un_done
