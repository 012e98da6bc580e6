#!/bin/bash
# open-rdwr-lower: O_RDWR on lower files: read the old content, write in place.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

action() {
	step 'perl -e '"'"'open(F, "+<", $ARGV[0]) or die; seek(F, 3, 0); print F "XY"'"'"' "$M/f2"; cat "$M/f2"; st "$M/f2"'
	step '"$TESTPROG/sysop" open "$M/f1" rdwr -- open "$M/ro" rdwr -- open "$M/exe" rdwr -- open "$M/d" rdwr -- open "$M/e1" rdonly,directory -- open "$M/f1" rdonly,directory'
	step 'exec 3<>"$M/d/x1"; read -r line <&3; echo "read: $line"; echo appended >&3; exec 3>&-; cat "$M/d/x1"'
	step '"$PYTHON" -c "import sys; f = open(sys.argv[1], \"r+\"); d = f.read(); f.seek(0); f.write(d.upper()); f.close()" "$M/sp ace"; cat "$M/sp ace"'
	step 'exec 4<>"$M/d2/deeper/z"; echo Z >&4; exec 4>&-; cat "$M/d2/deeper/z"; st "$M/d2/deeper" "$M/d2"'
}

compare_kernel_union open-rdwr-lower setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union open-rdwr-lower-nobody setup action
un_done
