#!/bin/bash
# fd-exec-inherit: a descriptor opened on a merged directory (or file) and passed across exec still stands for the merged object in the child.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
need_edgeprog fdops

# dir-both: a directory in the upper and the lower; dir-lower: only in
# the lower (the descriptor then is the lower's own directory: a child
# that took it for a plain directory would write into the lower).
D=$T/d
M=$T/m
mkdir -p "$D/upper" "$D/lower"
for dir in dir-both dir-lower; do
	mkdir -p "$D/lower/$dir"
	echo "in the lower" >"$D/lower/$dir/lowerfile"
	echo "lower 2" >"$D/lower/$dir/lowerfile2"
	echo "to delete" >"$D/lower/$dir/deleted"
done
mkdir -p "$D/upper/dir-both"
echo "in the upper" >"$D/upper/dir-both/upperfile"
echo "a lower file" >"$D/lower/lf"
chmod 644 "$D/lower/lf"
SPEC=$(un_spec "$M" "$D/upper" "$D/lower")
un_run "$M" "$D/upper" "$D/lower" -- rm "$M/dir-both/deleted" "$M/dir-lower/deleted"
# dir-lower must stay lower-only until the child (the rm above made no
# upper directory for it, or it is removed again when empty of files).
rmdir "$D/upper/dir-lower" 2>/dev/null || true
lowers_snapshot "$D/lower"

for dir in dir-both dir-lower; do
	rc=0
	out=$(bounded 30 env UNION_LAYERS="$SPEC" LD_PRELOAD="$LIBUNION" \
		"$EDGEPROG/fdops" inherit "$M" "$dir" 2>&1) || rc=$?
	printf '%s\n' "$out" | sed "s#^#$dir: #"
	if [ $dir = dir-lower ]; then
		# no upper file there: that check does not apply
		out=$(printf '%s\n' "$out" | grep -v 'an upper file' || true)
	fi
	if printf '%s\n' "$out" | grep -q '^FAIL'; then
		fail "$dir: the child's calls through the inherited descriptor went wrong (above)"
	fi
	expect_eq "$dir: the child's new file is in the view" "child" \
		"$(un_run "$M" "$D/upper" "$D/lower" -- cat "$M/$dir/created-by-child" 2>&1 || true)"
	expect_eq "$dir: the child's new file is in the upper" "child" \
		"$(cat "$D/upper/$dir/created-by-child" 2>&1 || true)"
done

rc=0
bounded 30 env UNION_LAYERS="$SPEC" LD_PRELOAD="$LIBUNION" \
	"$EDGEPROG/fdops" inheritfile "$M" lf || rc=$?
[ "$rc" = 0 ] || fail "fdops inheritfile: status $rc"
lowers_check
un_done
