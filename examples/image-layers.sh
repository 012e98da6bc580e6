#!/bin/bash
# image-layers.sh - stack the extracted layers of a container image
# without root.
#
#   bash examples/image-layers.sh [path/to/union]
#
# A container image is a stack of tar layers; the upper ones delete
# files of the lower ones with `.wh.NAME` markers and hide whole
# directories with `.wh..wh..opq`.  Extracted side by side and given to
# `union run` as lowers with UNION_OCI_LOWERS=1, they show the image's
# root filesystem as a runtime would unpack it, and a program can change
# it (into a fresh upper) with nothing copied and no root.
# Exit status 0 when every step holds, 1 otherwise.

set -u

union=${1:-${UNION_CMD:-$(dirname "$0")/../tools/union}}
if [ ! -x "$union" ]; then
	union=$(command -v union) || {
		echo "image-layers: the union command is not built (make)" >&2
		exit 1
	}
fi
union=$(cd "$(dirname "$union")" && pwd)/$(basename "$union")

T=$(mktemp -d "${TMPDIR:-/tmp}/image-layers.XXXXXX")
trap 'rm -rf "$T"' EXIT
status=0
check() {
	if [ "$2" = "$3" ]; then
		echo "  ok: $1"
	else
		echo "  NOT AS PROMISED: $1 (expected '$3', got '$2')"
		status=1
	fi
}

echo "== Three layers, as an image ships them"
L=$T/layers
mkdir -p "$L/base/etc" "$L/base/usr/bin" "$L/base/var/cache"
echo "NAME=base" >"$L/base/etc/os-release"
echo "root:x:0:0" >"$L/base/etc/passwd"
echo "old cache" >"$L/base/var/cache/index"
printf '#!/bin/sh\necho hello from the image\n' >"$L/base/usr/bin/hello"
chmod 755 "$L/base/usr/bin/hello"
mkdir -p "$L/app/etc" "$L/app/var/cache" "$L/app/srv"
echo "root:x:0:0
app:x:1000:1000" >"$L/app/etc/passwd"
: >"$L/app/var/cache/.wh..wh..opq"	# the cache was emptied
echo "new cache" >"$L/app/var/cache/index2"
echo "data" >"$L/app/srv/data"
mkdir -p "$L/fix/etc"
: >"$L/fix/etc/.wh.os-release"		# and os-release deleted
find "$L" | sed "s|$T/||" | sort

echo
echo "== The image's root, through union run (layers top first)"
out=$(UNION_OCI_LOWERS=1 "$union" run -l "$L/fix" -l "$L/app" -l "$L/base" \
	-m "$T/rootfs" -- sh -c '
		cd "$0" && find . | sort && cat etc/passwd && usr/bin/hello
		echo changed > srv/data && cat srv/data' "$T/rootfs" 2>&1)
echo "$out" | sed 's/^/    /'
check "os-release deleted by the top layer" \
	"$(echo "$out" | grep -c 'os-release')" 0
check "the opaque cache shows only the new index" \
	"$(echo "$out" | grep -c 'var/cache/index')" 1
check "no marker shows" "$(echo "$out" | grep -c '\.wh\.')" 0
check "the program in the base layer runs" \
	"$(echo "$out" | grep -c 'hello from the image')" 1
check "a change lands in the upper" "$(echo "$out" | tail -1)" changed
check "the layers are unchanged" "$(cat "$L/app/srv/data")" data

exit $status
