#!/bin/bash
# bad-paths: NULL and "" paths with and without AT_EMPTY_PATH, paths of PATH_MAX-1 and PATH_MAX bytes, 255/256-byte names, and a deep path short in the view but longer than PATH_MAX in the layers, against a kernel overlay.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_edgeprog badcalls

# The deep chain: merged path $M/deep/<200-byte names>.../leaf of about
# DEEP_LEN bytes; in the layers (longer roots than $M) more than PATH_MAX.
DEEP_LEN=4080
deep_rel() {
	local m=$1 rel=deep n=0 c
	while [ $((${#m} + 1 + ${#rel} + 201 + 5)) -lt $DEEP_LEN ]; do
		c=$(printf "%0200d" $n | tr 0 "$(printf "\\x$(printf %x $((97 + n % 26)))")")
		rel=$rel/$c
		n=$((n + 1))
	done
	printf '%s/leaf' "$rel"
}

setup() {
	local d=$1
	mkdir -p "$d/upper" "$d/lower1/dir"
	echo "in the lower" >"$d/lower1/dir/lowerfile"
	echo "lower file" >"$d/lower1/file"
	ln -s file "$d/lower1/link"
	mkdir -p "$d/upper/dir"
	echo "in the upper" >"$d/upper/dir/upperfile"
	# the deep chain, made one directory at a time (its absolute path is
	# longer than PATH_MAX), and given old times one name at a time
	local rel comp
	rel=$(deep_rel "$M")
	(
		cd "$d/lower1"
		IFS=/
		set -f
		local parts=($rel) i
		for ((i = 0; i < ${#parts[@]} - 1; i++)); do
			mkdir "${parts[i]}"
			cd "${parts[i]}"
		done
		echo "deep down" >leaf
	)
	(cd "$d/lower1" && find deep -execdir touch -h -d 2001-01-01 {} +)
}

action() {
	step '"$EDGEPROG/badcalls" nullempty "$M" dir file link'
	step '"$EDGEPROG/badcalls" pathmax "$M"'
	step "\"\$EDGEPROG/badcalls\" long \"\$M/$(deep_rel "$M")\""
	step 'ls "$M/dir"'
}

compare_kernel_union bad-paths setup action
un_done
