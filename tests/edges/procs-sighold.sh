#!/bin/bash
# procs-sighold: signals that arrive while a thread writes the whiteout table are held back (the trampoline queues them again), not lost: each of many SIGUSR1s, sent one at a time while the program deletes and makes lower names, runs its handler; and the same with an SA_RESETHAND handler installed (sections then block signals).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done

mkdir -p "$T/d/upper" "$T/d/lower/w"
for i in 0 1 2 3 4 5 6 7; do echo "f$i" >"$T/d/lower/w/f$i"; done
M=$T/m
lowers_snapshot "$T/d/lower"

# The main loop deletes a lower name and makes it again (two table
# records a round); a child sends SIGUSR1 and waits for the handler's
# byte on a pipe before it sends the next (no two pending at once).  A
# signal lost inside a table write leaves the child waiting: it gives
# up after 10 s and the run fails.
cat >"$T/sighold.py" <<'EOF'
import os, signal, sys, time
M, n, resethand = sys.argv[1], int(sys.argv[2]), sys.argv[3] == '1'
r, w = os.pipe()
ack_r, ack_w = os.pipe()
got = 0
def handler(sig, frame):
    global got
    got += 1
    os.write(ack_w, b'x')
signal.signal(signal.SIGUSR1, handler)
if resethand:
    # A handler with SA_RESETHAND, installed through the library (the
    # C library's sysv_signal); it never fires here.
    import ctypes
    libc = ctypes.CDLL(None)
    libc.sysv_signal.restype = ctypes.c_void_p
    H = ctypes.CFUNCTYPE(None, ctypes.c_int)
    keep = H(lambda s: None)
    libc.sysv_signal(signal.SIGUSR2, keep)
pid = os.fork()
if pid == 0:
    os.close(ack_w)
    import select
    for i in range(n):
        os.kill(os.getppid(), signal.SIGUSR1)
        if not select.select([ack_r], [], [], 10)[0]:
            print('signal %d of %d: no handler after 10 s' % (i + 1, n))
            os._exit(1)
        os.read(ack_r, 1)
        time.sleep(0.0005)
    os._exit(0)
rounds = 0
while True:
    for i in range(8):
        p = '%s/w/f%d' % (M, i)
        os.unlink(p)
        with open(p, 'w') as f:
            f.write('again\n')
    rounds += 1
    done, st = os.waitpid(pid, os.WNOHANG)
    if done:
        break
print('child status %d, %d handled, %s rounds' %
      (os.waitstatus_to_exitcode(st), got, 'some' if rounds > 1 else 'few'))
EOF

for rh in 0 1; do
	out=$(bounded 120 env UNION_LAYERS="$(un_spec "$M" "$T/d/upper" "$T/d/lower")" \
		LD_PRELOAD="$LIBUNION" "$PYTHON" "$T/sighold.py" "$M" 300 "$rh" 2>&1) || true
	expect_eq "every SIGUSR1 handled (SA_RESETHAND installed: $rh)" \
		"child status 0, 300 handled, some rounds" "$out"
done
lowers_check "$T/d/lower"
un_done
