#!/bin/bash
# listing-getdents-calls: a listing reads each layer's copy with one
# getdents64, not two, where the file system marks the end of a
# directory in the last record's d_off (ext4's hashed directories and
# btrfs: INT64_MAX; tmpfs of recent kernels: INT32_MAX; readdir.c
# un_dents_end): the read that would answer 0 is not made.  A merged
# directory then costs the kernel overlay's two getdents64 (one a
# layer), a directory of one layer one (bench/README.md "Session 13
# (listings)").  Where the layer gives no mark (ext2, xfs, older tmpfs)
# each layer is read to its 0, as before.  The names listed are the
# read-* scenarios' (compared with the kernel's); they are checked here
# too, and a listing cut by signals is edges/procs-signal's.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_strace
mkdir -p "$T/view" "$T/upper/m" "$T/lower/m" "$T/lower/low" "$T/upper/up"
for i in $(seq 1 40); do
	: >"$T/upper/m/u$i"
	: >"$T/lower/m/l$i"
	: >"$T/lower/low/f$i"
	: >"$T/upper/up/f$i"
done
: >"$T/lower/m/u7"		# under the upper's u7: listed once

# Does the layers' file system mark the end?  (strace -v shows d_off.)
strace -qq -v -e trace=getdents64 -o "$T/direct" ls -f "$T/lower/low" >/dev/null
# The library trusts the mark only on the kinds that make it (ext4,
# btrfs: INT64_MAX; tmpfs: INT32_MAX); elsewhere it reads to 0.
fstype=$(stat -f -c %T "$T/lower")
if grep -qE 'd_off=(9223372036854775807|2147483647),[^}]*}\], [0-9]+\) = [0-9]' "$T/direct" &&
   { { grep -q 'd_off=9223372036854775807' "$T/direct" &&
       case $fstype in ext2/ext3|btrfs) true ;; *) false ;; esac; } ||
     [ "$fstype" = tmpfs ]; }; then
	mark=1
else
	mark=0
fi

cat >"$T/list.py" <<'EOF2'
import os, sys
for d in sys.argv[1:]:
    os.access("/list-begin", os.F_OK)
    n = len(os.listdir(d))
    os.access("/list-end", os.F_OK)
    print(os.path.basename(d), n)
EOF2
count_calls -e getdents64,access,faccessat,faccessat2 "$T/trace" \
	"$T/view" "$T/upper" "$T/lower" -- \
	"$PYTHON" -B "$T/list.py" "$T/view/m" "$T/view/low" "$T/view/up" >"$T/out"
printf 'm 80\nlow 40\nup 40\n' >"$T/want"
cmp -s "$T/want" "$T/out" || fail "names listed: $(tr '\n' ' ' <"$T/out")"

# getdents64 calls of each listing, in order.
counts=$(awk '/list-begin/ { n = 0; on = 1; next }
	/list-end/ { printf "%d ", n; on = 0; next }
	on && /getdents64\(/ { n++ }' "$T/trace")
if [ "$mark" = 1 ]; then
	want="2 1 1 "
else
	want="4 2 2 "
fi
if [ "$counts" = "$want" ]; then
	printf 'ok: getdents64 a listing (merged, lower, upper): %s(end mark: %s)\n' \
		"$counts" "$mark"
else
	sed -n '/list-begin/,$p' "$T/trace" | head -30 >&2
	fail "getdents64 a listing (merged, lower, upper): $counts, not $want (end mark: $mark)"
fi
un_done
