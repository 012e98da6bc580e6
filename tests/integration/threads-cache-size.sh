#!/bin/bash
# threads-cache-size: a thread's directory cache, made small (session 13:
# git status's twenty lstat threads each zeroed 48 KiB for the few
# directories each looks in), grows when it fills: a thread that looks
# in many directories again and again makes no more system calls than
# the process's first thread, whose cache is made at full size.  Counted
# with strace (newfstatat, openat, getdents64) in rounds over 96 merged
# directories, each with upper names (the upper's name sets) and four
# lower files; as root and as the user nobody who owns the lowers.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_strace

NDIRS=96
mkdir -p "$T/view"
for i in $(seq 1 $NDIRS); do
	mkdir -p "$T/upper/d$i" "$T/lower/d$i"
	: >"$T/upper/d$i/u"
	for f in f1 f2 f3 f4; do echo "$i" >"$T/lower/d$i/$f"; done
done
cat >"$T/rounds.py" <<'PY'
import os, sys, threading
top, how, ndirs = sys.argv[1], sys.argv[2], int(sys.argv[3])
found = [0]
def work():
    for _ in range(3):
        for i in range(1, ndirs + 1):
            for f in ("f1", "f2", "f3", "f4", "u"):
                os.lstat("%s/d%d/%s" % (top, i, f))
                found[0] += 1
if how == "thread":
    t = threading.Thread(target=work)
    t.start()
    t.join()
else:
    work()
print(found[0])
PY
# count WHO HOW: the calls of the rounds, in the main thread or in one
# thread of their own.
count() {
	local who=()
	[ "$1" = nobody ] && who=(-n)
	count_calls -c "${who[@]}" "$T/calls" "$T/view" "$T/upper" "$T/lower" -- \
		"$PYTHON" -B "$T/rounds.py" "$T/view" "$2" $NDIRS >"$T/out"
	[ "$(cat "$T/out")" = $((3 * NDIRS * 5)) ] ||
		fail "$1 $2: $(cat "$T/out") names found, not $((3 * NDIRS * 5))"
	awk '$1 == "newfstatat" || $1 == "openat" || $1 == "getdents64" {
		n += $2 } END { print n + 0 }' "$T/calls"
}
check() {
	local main thread
	main=$(count "$1" main)
	thread=$(count "$1" thread)
	# (A few for the thread itself; a round's worth is the cache lost.)
	if [ "$thread" -le $((main + NDIRS / 4)) ]; then
		printf 'ok: %s: %s calls in a thread, %s in the main one\n' \
			"$1" "$thread" "$main"
	else
		fail "$1: $thread calls in a thread against $main in the main one: the thread's cache does not hold $NDIRS directories"
	fi
}
check root
if is_root && command -v setpriv >/dev/null; then
	chown -hR 65534:65534 "$T/lower" "$T/upper" "$T/view"
	check nobody
else
	printf 'SKIP: threads-cache-size: the pass as nobody needs root and setpriv\n'
fi
un_done
