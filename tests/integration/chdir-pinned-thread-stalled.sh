#!/bin/bash
# chdir-pinned-thread-stalled: a thread's relative call decided from a cwd outside every union (handed to the kernel as it is, the cwd pinned: fdtab.c "Pins") is held at its system call's entry (strace's delay_enter, the thread stopped in a trace: what a thread kept off the processor looks like to the writer) for far longer than the chdir's bound on its wait (CWD_DRAIN_NS) while another thread chdirs into a merged directory that only a lower holds.  Before session 17 the chdir went on after the bound, moving the real cwd into the lower's copy, and the held mkdir then made its name in the LOWER (helper tailf17: chdir-threads-far, 1 run of 8 under load); now the writer waits on while a pinned thread is runnable or stopped in a trace, and the name is made in the old cwd.  As root and as nobody who owns the layers.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_strace_delay mkdir

# The maker thread's mkdir("pa") is held at its entry 1.5 s (less than
# the writer's cap, 2 s); the main thread's chdir comes 0.3 s after the
# mkdir began (its lookup, and so its pin, done by then).
cat >"$T/stall.py" <<'PY'
import os, sys, threading, time
M, OUT, L = sys.argv[1], sys.argv[2], sys.argv[3]
os.chdir(OUT)
res = []
def maker():
    try:
        os.mkdir("pa", 0o755)
        res.append("mkdir ok")
    except OSError as e:
        res.append("mkdir: " + e.strerror)
t = threading.Thread(target=maker)
t.start()
time.sleep(0.3)
os.chdir(M + "/lo")
t.join()
os.chdir(OUT)
print(res[0])
where = [w for w, p in (("out", OUT + "/pa"), ("lower", L + "/lo/pa"))
         if os.path.isdir(p)]
print("pa in: " + (" ".join(where) or "none"))
PY

run() {
	local d=$T/$1 spec out
	rm -rf "$d"
	mkdir -p "$d/upper" "$d/lower/lo" "$d/out"
	echo keep >"$d/lower/lo/keep"
	[ "$1" = nobody ] && chown -R 65534:65534 "$d"
	lowers_snapshot "$d/lower"
	spec=$(un_spec "$d/view" "$d/upper" "$d/lower")
	# (The table, and so .union/, made before: the chdir's own mkdirat
	# of it would be held too.  The library makes its directories by
	# mkdirat; glibc's mkdir is the system call mkdir: only the maker's
	# is held.)
	$2 env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
		ls "$d/view" >/dev/null
	out=$($2 strace -f -qq -o /dev/null -e trace=mkdir \
		-e inject=mkdir:delay_enter=1500000 \
		env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
		"$PYTHON" -B "$T/stall.py" "$d/view" "$d/out" "$d/lower" 2>&1) || true
	expect_eq "$1: the held mkdir is made in the old cwd, not the lower" \
		"$(printf 'mkdir ok\npa in: out')" "$out"
	lowers_check
}

run_self_then_nobody run
un_done
