#!/bin/bash
# fopen-modes-lower: fopen and freopen of lower files in every mode (r, r+, w, w+, a, a+, x): copy-up only for writing modes; errors EISDIR, ENOENT, EEXIST, EACCES.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

# calls sysop does not make, through libc with ctypes (tests/prog/callc.py)
cp "$TOP_SRCDIR/tests/prog/callc.py" "$T/callc.py"

setup() { make_small_tree "$1"; }

action() {
	step '"$PYTHON" "$T/callc.py" fopen "$M/f1" r -- fopen "$M/f2" r+ -- fopen "$M/d/x2" w -- fopen "$M/both" a -- fopen "$M/exe" w+ -- fopen "$M/d2/only2" a+; show "$M/f2" "$M/d/x2" "$M/both" "$M/exe" "$M/d2/only2"'
	step '"$PYTHON" "$T/callc.py" fopen "$M/d" w -- fopen "$M/e1" r+ -- fopen "$M/e1" r -- fopen "$M/nope" r -- fopen "$M/nope" r+ -- fopen "$M/nodir/x" w -- fopen "$M/f1" wx -- fopen "$M/newx" wx -- fopen "$M/ro" r+ -- fopen "$M/ro" a'
	step '"$PYTHON" "$T/callc.py" freopen "$M/f1" a -- freopen "$M/hl1" w -- freopen "$M/nope" r -- freopen "$M/d2/deeper/new" w; show "$M/f1" "$M/hl1" "$M/d2/deeper/new" "$M/newx"'
	step '"$PYTHON" -c "import sys; f = open(sys.argv[1], \"a\"); f.write(\"appended\\n\"); f.close()" "$M/sp ace"; cat "$M/sp ace"'
}

compare_kernel_union fopen-modes-lower setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union fopen-modes-lower-nobody setup action
un_done
