#!/bin/bash
# copyup-dir-race: two processes copy up one lower directory at once.
# Each stages an empty copy and renames it into the upper; the later
# rename must not replace the copy the first one has already entered
# (its cwd, a descriptor): every create there then failed with ENOENT,
# the directory being gone (1 of 5 `make -j2` runs: `as` "can't create
# main.o"; tests/stress/create-fresh-dir.sh: 6 rounds of 1,000).
# Made certain here: B's rename is held by strace's delay until A has
# copied the directory up and entered it; A creates only after B's file
# is there.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_strace_delay rename

cat >"$T/a.py" <<'PY'
import os, sys, time
M, U = sys.argv[1], sys.argv[2]
def wait_for(test, what):
    end = time.monotonic() + 30
    while not test():
        if time.monotonic() > end:
            sys.exit("A: timed out waiting for " + what)
        time.sleep(0.005)
# B has staged its copy (it found src absent in the upper).
wait_for(lambda: any(n.startswith("cu.") for n in os.listdir(U + "/.union/work")),
         "B's staged copy")
os.utime(M + "/src")                  # copies src up, empty
fd = os.open(M + "/src", os.O_RDONLY | os.O_DIRECTORY)
os.chdir(M + "/src")
wait_for(lambda: os.path.exists(U + "/src/b"), "B's file")
for name, dirfd in (("by-fd", fd), ("by-cwd", None)):
    try:
        os.close(os.open(name, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=dirfd))
        print("A " + name + " ok")
    except OSError as e:
        print("A " + name + ": " + e.strerror)
PY

run() {
	local d=$T/$1 spec
	rm -rf "$d"
	mkdir -p "$d/upper" "$d/lower/src"
	echo keep >"$d/lower/src/keep"
	[ "$1" = nobody ] && chown -R 65534:65534 "$d"
	lowers_snapshot "$d/lower"
	spec=$(un_spec "$d/view" "$d/upper" "$d/lower")
	# (The table, and so .union/work, made before the race.)
	$2 env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
		ls "$d/view" >/dev/null
	$2 strace -f -qq -o /dev/null -e trace=rename,renameat,renameat2 \
		-e inject=rename,renameat,renameat2:delay_enter=1500000 \
		env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
		sh -c ": >'$d/view/src/b' && echo B ok" >"$T/b.out" 2>&1 &
	local b=$!
	out=$($2 env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
		"$PYTHON" -B "$T/a.py" "$d/view" "$d/upper" 2>&1) || true
	wait "$b" || true
	expect_eq "$1: A creates through its descriptor and its cwd" \
		"$(printf 'A by-fd ok\nA by-cwd ok')" "$out"
	expect_eq "$1: B creates its file" "B ok" "$(cat "$T/b.out")"
	expect_eq "$1: the upper's copy holds all three" "b by-cwd by-fd" \
		"$(ls "$d/upper/src" | sort | tr '\n' ' ' | sed 's/ $//')"
	lowers_check
}

run_self_then_nobody run
un_done
