#!/bin/bash
# close-open-race-threads: thread A closes descriptor n (close, then close_range) while thread B opens a lower-only directory, which takes the number n as soon as the kernel freed it.  close() was real_close, then the record's forget: B's new record, put in between, was dropped (then rediscovered from /proc: slower, and any misreading of it touches a lower).  Here the misreading shows: B's process removes the directory and makes a new one at its name; the kernel's descriptor (and the record, marked removed) is of the removed one: a create through it ENOENT; the record lost, the rediscovery found the new directory there and the create went into it.  Made certain by strace, holding A's close at its exit (after the kernel freed n) until B has opened; every first close of a thread is held, so B and the main thread spend theirs first.  Also: threads opening and closing lower directories while others create through theirs (no strace): every create lands in the upper, the lowers unchanged.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_strace_delay close

cat >"$T/a.py" <<'PY'
import os, sys, threading, time
M, how = sys.argv[1], sys.argv[2]
D = M + ("/d" if how == "close" else "/e")
r, w = os.pipe()
os.close(r)                     # the main thread's first close (held)
n = os.open("/dev/null", os.O_RDONLY)
a_closed = threading.Event()
out = []
def closed(fd):
    try:
        os.fstat(fd)
        return False
    except OSError:
        return True
def A():
    if how == "close":
        os.close(n)             # A's first close: held at its exit
    else:
        os.closerange(n, n + 1) # close_range(n, n): held at its exit
    a_closed.set()
def B():
    os.close(w)                 # B's first close (held)
    end = time.monotonic() + 20
    while not closed(n):        # A's close has freed n
        if time.monotonic() > end:
            out.append("B: timed out")
            return
        time.sleep(0.002)
    fd = os.open(D, os.O_RDONLY | os.O_DIRECTORY)
    out.append("B got A's number" if fd == n else "B got another number")
    a_closed.wait(20)           # A's close() has returned
    os.rmdir(D)
    os.mkdir(D)
    try:
        os.close(os.open("x", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
        out.append("B create through the removed d: ok")
    except OSError as e:
        out.append("B create through the removed d: " + e.strerror)
    out.append("d: " + " ".join(sorted(os.listdir(D))))
tb = threading.Thread(target=B)
tb.start()
time.sleep(0.3)                 # B's first close is held meanwhile
ta = threading.Thread(target=A)
ta.start()
ta.join()
tb.join()
print("\n".join(out))
PY

# Threads at once, no strace: openers open a lower directory each and
# create through it, closers open and close /dev/null, so that numbers
# pass from one to another all the time.
cat >"$T/b.py" <<'PY'
import os, sys, threading
M, K = sys.argv[1], int(sys.argv[2])
bad = []
def opener(t):
    for i in range(K):
        d = "%s/t%d/d%d" % (M, t, i)
        fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.close(os.open("new", os.O_WRONLY | os.O_CREAT, 0o644,
                             dir_fd=fd))
        except OSError as e:
            bad.append("%s: %s" % (d, e.strerror))
        os.close(fd)
def closer():
    for i in range(K * 4):
        os.close(os.open("/dev/null", os.O_RDONLY))
ts = [threading.Thread(target=opener, args=(t,)) for t in range(4)]
ts += [threading.Thread(target=closer) for t in range(2)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print("\n".join(bad) if bad else "all created")
PY

K=150

layers() {
	local d=$T/$1
	rm -rf "$d"
	mkdir -p "$d/upper" "$d/lower/d" "$d/lower/e" "$d/work" "$d/view"
	for t in 0 1 2 3; do
		for i in $(seq 0 $((K - 1))); do
			mkdir -p "$d/lower/t$t/d$i"
		done
	done
	[ "${1%%-*}" = nobody ] && chown -R 65534:65534 "$d"
	return 0
}

want='B got A'"'"'s number
B create through the removed d: No such file or directory
d: '

if is_root; then
	need_kernel_overlay
	layers kernel
	kernel_mount "$T/kernel/view" "$T/kernel/upper" "$T/kernel/work" "$T/kernel/lower"
	for how in close range; do
		expect_eq "kernel: a create through a removed directory's descriptor ($how)" \
			"$want" "$("$PYTHON" -B "$T/a.py" "$T/kernel/view" $how 2>&1)"
	done
	kernel_umount "$T/kernel/view"
fi

run() {
	local who=$1 run=$2 d spec
	layers "$who"
	d=$T/$who
	lowers_snapshot "$d/lower"
	spec=$(un_spec "$d/view" "$d/upper" "$d/lower")
	expect_eq "$who: a create through a removed directory's descriptor" \
		"$want" \
		"$($run strace -f -qq -o /dev/null -e trace=close \
			-e inject=close:delay_exit=600000:when=1 \
			env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
			"$PYTHON" -B "$T/a.py" "$d/view" close 2>&1)"
	# The same through close_range (os.closerange), held at its exit.
	expect_eq "$who: the same after close_range" \
		"$want" \
		"$($run strace -f -qq -o /dev/null -e trace=close_range \
			-e inject=close_range:delay_exit=600000:when=1 \
			env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
			"$PYTHON" -B "$T/a.py" "$d/view" range 2>&1)"
	expect_eq "$who: threads' creates through lower directories" \
		"all created" \
		"$($run env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
			"$PYTHON" -B "$T/b.py" "$d/view" $K 2>&1)"
	expect_eq "$who: every create in the upper" "$((4 * K))" \
		"$(find "$d/upper" -name new | wc -l)"
	lowers_check
}

run_self_then_nobody run
un_done
