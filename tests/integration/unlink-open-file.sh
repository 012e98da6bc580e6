#!/bin/bash
# unlink-open-file: a lower file deleted or copied up while open: the open descriptor keeps working.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_small_tree "$1"; }

action() {
	step 'exec 3<"$M/f1"; rm "$M/f1"; cat <&3; ls "$M/f1"'
	step 'exec 3<"$M/f2"; echo changed >> "$M/f2"; cat <&3; cat "$M/f2"'
	step 'exec 3>>"$M/d/x1"; mv "$M/d/x1" "$M/d/x1-moved"; echo written-after-move >&3; exec 3>&-; cat "$M/d/x1-moved"'
	step 'cd "$M/d/sub" && rm -r "$M/d/sub" && ls; pwd; ls "$M/d"'
}

compare_kernel_union unlink-open-file setup action
un_done
