#!/bin/bash
# config-inplace: MERGED equal to the lower itself: the upper shows over the lower at its own path.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_lib || un_done

# Without root: the expectations of DESIGN.md.
if [ -z "$UN_HARNESS" ]; then
	mkdir -p "$T/upper" "$T/lower/dir"
	echo "lower f" >"$T/lower/f"
	echo "lower g" >"$T/lower/g"
	echo "lower dir/x" >"$T/lower/dir/x"
	echo "upper f" >"$T/upper/f"
	lowers_snapshot "$T/lower"
	out=$(UNION_LAYERS="$(un_spec "$T/lower" "$T/upper" "$T/lower")" LD_PRELOAD=$LIBUNION bash -c '
		L=$T/lower
		cat "$L/f" "$L/g"; ls "$L" | tr "\n" " "; echo
		echo new > "$L/new"; echo more >> "$L/g"; rm "$L/dir/x"
		cat "$L/new" "$L/g"; ls "$L" "$L/dir" | tr "\n" " "; echo
		cd "$L/dir" && pwd && ls -a | tr "\n" " "; echo' 2>&1) || true
	expect_eq "in place: reads and writes at the lower's own path" "upper f
lower g
dir f g 
new
lower g
more
$T/lower: dir f g new  $T/lower/dir: 
$T/lower/dir
. .. " "$out"
	expect_eq "in place: new files land in the upper" "new" "$(cat "$T/upper/new" 2>&1)"
	lowers_check
fi

setup() { make_small_tree "$1"; }

action() {
	step 'ls "$M"; cat "$M/both" "$M/f1" "$M/f2"'
	step 'echo new > "$M/new"; echo more >> "$M/f1"; rm "$M/f2"; mkdir "$M/nd"; ls "$M"'
	step 'cd "$M/d" && pwd && ls && cat x1 x2 && rm x2 && ls'
	step 'mv "$M/fu" "$M/fu2"; ln -s f1 "$M/l1"; cat "$M/l1"; find "$M" | sort'
}

UN_INPLACE=1 compare_kernel_union config-inplace setup action
un_done
