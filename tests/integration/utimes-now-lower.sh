#!/bin/bash
# utimes-now-lower: setting lower files' times to now (utimensat, utimes, utime, lutimes, futimesat with NULL): copied up, mtime and atime now.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

# calls sysop does not make, through libc with ctypes (tests/prog/callc.py)
cp "$TOP_SRCDIR/tests/prog/callc.py" "$T/callc.py"

setup() { make_small_tree "$1"; }

# is_now PATH...: whether the atime and mtime of each PATH are recent.
is_now='for p; do a=$(stat -c %X "$p"); m=$(stat -c %Y "$p"); n=$(date +%s); [ $((n - a)) -lt 300 ] && [ $((n - m)) -lt 300 ] && echo "${p##*/}: now" || echo "${p##*/}: not now ($a $m)"; done'
export is_now

action() {
	step '"$PYTHON" -c "import os, sys; os.utime(sys.argv[1])" "$M/f1"; bash -c "$is_now" - "$M/f1"; cat "$M/f1"'
	step '"$PYTHON" "$T/callc.py" utimes "$M/f2" NULL -- utime "$M/d/x2" NULL -- lutimes "$M/link-f1" NULL -- futimesat "dir:$M/d" x1 NULL; bash -c "$is_now" - "$M/f2" "$M/d/x2" "$M/d/x1"; stat -c "%n %Y" "$M/both"'
	step '"$PYTHON" "$T/callc.py" utimes "$M/d2" NULL -- utimes "$M/nope" NULL -- utime "$M/nodir/x" NULL; bash -c "$is_now" - "$M/d2"; names "$M/d2"'
	step '"$PYTHON" "$T/callc.py" utimes "$M/ro" NULL -- utime "$M/ro" NULL; stat -c "%n %Y" "$M/hl2" "$M/exe"'
}

compare_kernel_union utimes-now-lower setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union utimes-now-lower-nobody setup action
un_done
