#!/bin/bash
# threads-cache-calls: a program whose short-lived threads each look up
# names under MERGED (git status's lstat threads) pays no system call a
# thread for the library's own per-thread cache.  Session 12 mapped that
# cache in every thread and unmapped it through the exported munmap at
# the thread's end: a munmap a thread, and each one made every thread
# forget the pages it had found readable (wrap_mem.c), so git status
# made 246 -> 493 process_vm_readv and ran 1.2x as long (bench/README.md
# "Session 12 (integration)").  Counted with strace against the same
# threads statting names outside every union, as root and as the user
# nobody who owns the lowers.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_cmd python3
need_strace

NTHREADS=24 PER=40
mkdir -p "$T/lower/d" "$T/upper" "$T/view" "$T/out/d"
for i in $(seq 1 $PER); do
	echo "$i" >"$T/lower/d/f$i"
	echo "$i" >"$T/out/d/f$i"
done
cat >"$T/threads.py" <<'PY'
import os, sys, threading
top, nthreads, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def work():
    for i in range(1, per + 1):
        os.stat(os.path.join(top, "d", "f%d" % i))
for _ in range(nthreads):
    t = threading.Thread(target=work)
    t.start()
    t.join()
PY
# count WHO DIR: the munmap calls of the threads statting DIR's names.
count() {
	local who=()
	[ "$1" = nobody ] && who=(-n)
	count_calls -c "${who[@]}" "$T/calls" "$T/view" "$T/upper" "$T/lower" -- \
		python3 "$T/threads.py" "$2" $NTHREADS $PER
	awk '$1 == "munmap" { n += $2 } END { print n + 0 }' "$T/calls"
}
check() {
	local inside outside
	inside=$(count "$1" "$T/view")
	outside=$(count "$1" "$T/out")
	# (A few for the union's first lookup and its table are fine; one a
	# thread is the bug.)
	if [ "$inside" -le $((outside + NTHREADS / 4)) ]; then
		printf 'ok: %s: munmap %s in the union, %s outside, %s threads\n' \
			"$1" "$inside" "$outside" "$NTHREADS"
	else
		cat "$T/calls" >&2
		fail "$1: munmap $inside in the union against $outside outside: the library unmaps memory of its own a thread ($NTHREADS threads)"
	fi
}
check root
if is_root && command -v setpriv >/dev/null; then
	chown -hR 65534:65534 "$T/lower" "$T/upper" "$T/view"
	check nobody
else
	printf 'SKIP: threads-cache-calls: the pass as nobody needs root and setpriv\n'
fi
[ -z "$(find "$T/lower" -newer "$T/threads.py" -print -quit)" ] ||
	fail "the lower changed"
un_done
