#!/bin/bash
# names-set-calls: a listing of a merged directory tells the thread's cache the names of its upper part (readdir.c, dcache.c un_dcache_put_names), and an lstat of each name that only the lower holds then asks the lower alone: no stat of the upper's copy for a name the upper lacks (git status lstats every file of its index so, bench/README.md "Session 9").  And a name made since, by another process, is seen (the names count moved: the set is not trusted).  As root and as the user nobody who owns the layers.  Counted with strace: the stats of paths in the upper's copy.  (dcache.c reads no set before one is put, "Session 14 (make -j32)": a set put must still be found.)
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_cmd strace
need_lib
need_harness_off

strace -f -qq -c -o "$T/probe" true 2>/dev/null ||
	skip "strace cannot trace here (ptrace refused)"

N=60
cat >"$T/walk.py" <<'PY'
import os, subprocess, sys
view, n, spec = sys.argv[1], int(sys.argv[2]), sys.argv[3]
d = os.path.join(view, 'd')
names = os.listdir(d)
print(len(names))
missing = 0
for i in range(n):
    try:
        os.lstat(os.path.join(d, 'l%03d' % i))
    except OSError:
        missing += 1
print(missing)
# Another process makes a name in d: the set listed above is stale.
subprocess.run(['sh', '-c', ': >"$1/d/late"', 'sh', view], check=True)
print(os.path.exists(os.path.join(d, 'late')))
PY

run() {
	local d=$T/$1 got ups
	mkdir -p "$d/l/d" "$d/u/d"
	for i in $(seq -f '%03g' 0 $((N - 1))); do
		echo "$i" >"$d/l/d/l$i"
	done
	echo up >"$d/u/d/u0"
	[ "$1" = nobody ] && chown -R 65534:65534 "$d"
	lowers_snapshot "$d/l"
	got=$($2 strace -f -qq -e trace=newfstatat,statx,lstat,stat,fstatat64 \
		-o "$d/trace" env UNION_LAYERS="$(un_spec "$d/m" "$d/u" "$d/l")" \
		LD_PRELOAD="$LIBUNION" "$PYTHON" -S "$T/walk.py" "$d/m" "$N" \
		"$(un_spec "$d/m" "$d/u" "$d/l")" 2>&1) || true
	expect_eq "$1: the listing, the lower's names found, the late name seen" \
		"$((N + 1))
0
True" "$got"
	# The stats of the lower's names in the upper's copy of d.
	ups=$(grep -c "\"$d/u/d/l[0-9]" "$d/trace" || true)
	if [ "$ups" -le 2 ]; then
		echo "ok: $1: $ups stat(s) of the lower's $N names in the upper"
	else
		fail "$1: $ups stats of the lower's $N names in the upper's copy of d (the listing's set of the upper's names unused?)"
	fi
	lowers_check
}

run_self_then_nobody run
un_done
