#!/bin/bash
# tests/valgrind/memcheck.sh - real programs under valgrind memcheck with
# libunion preloaded in a union; any memcheck report fails the test.
# Session 15: a python of two threads looking up and copying up.
#
# A lower tree (files, a subdirectory, a symlink, a tarball) and an empty
# upper, MERGED not on disk.  Each step runs as
#
#	valgrind --error-exitcode=99 --trace-children=yes \
#		env LD_PRELOAD=libunion.so UNION_LAYERS=... PROGRAM ARGS
#
# so that memcheck watches the program with the library in it (and every
# child a shell or tar starts).  UNION_UNWRAPPED_EXEC=outside: valgrind
# starts each traced child through its launcher, which then (with the
# library in it) execs the static tool, outside the union.  A step fails when memcheck reports
# anything (status 99, its log kept in the output) or the program itself
# fails; then the merged tree is checked, and the lower must be unchanged.
#
# Environment: LIBUNION (default the in-tree build), UN_KEEP=1 keeps the
# temporary directory, VALGRIND_FLAGS adds options (e.g. --leak-check=full).
# Exit 0 pass, 1 fail, 77 skip (valgrind missing, or a sanitizer build,
# which valgrind cannot run).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${LIBUNION:=$top/preload/.libs/libunion.so}"
export LC_ALL=C
unset UNION_LAYERS LD_PRELOAD

if ! command -v valgrind >/dev/null; then
	echo "SKIP: valgrind is not installed (Debian: apt-get install valgrind)"
	exit 77
fi
if [ -n "${UN_PRELOAD_FIRST:-}" ] || nm -D "$LIBUNION" 2>/dev/null |
	grep -q __asan_init; then
	echo "SKIP: memcheck: valgrind cannot run the ASan runtime that $LIBUNION needs (sanitizer build)"
	exit 77
fi
if [ ! -f "$LIBUNION" ]; then
	echo "FAIL: no library at $LIBUNION (build first)"
	exit 1
fi

tmp=$(mktemp -d)
if [ -n "${UN_KEEP:-}" ]; then
	echo "keeping $tmp"
else
	trap 'rm -rf "$tmp"' EXIT
fi
L=$tmp/lower U=$tmp/upper M=$tmp/merged
mkdir -p "$L/dir/sub" "$L/empty" "$U" "$tmp/src/t"
printf 'hello\n' >"$L/hello.txt"
printf 'one\ntwo\nthree\n' >"$L/dir/lines.txt"
seq 1 2000 >"$L/dir/sub/numbers"
ln -s hello.txt "$L/link"
for i in 0 1 2 3 4 5 6 7; do
	mkdir -p "$L/t$i/s"
	printf 'f\n' >"$L/t$i/s/f"
	printf 'g\n' >"$L/t$i/g"
done
printf 'from the tarball\n' >"$tmp/src/t/in-tar"
tar -C "$tmp/src" -cf "$L/archive.tar" t
chmod 0444 "$L/dir/lines.txt"
before=$(cd "$L" && find . -printf '%p %y %m %s %l\n' | sort; \
	 find . -type f -exec md5sum {} + | sort)

fails=0
n=0
run() {
	local log=$tmp/vg.$((++n)).log
	local rc=0

	valgrind -q --error-exitcode=99 --trace-children=yes \
		--leak-check=no --log-file="$log.%p" ${VALGRIND_FLAGS:-} \
		env LD_PRELOAD="$LIBUNION" UNION_LAYERS="$M=$U:$L" \
		UNION_UNWRAPPED_EXEC=outside "$@" \
		>"$tmp/out" 2>&1 || rc=$?
	if [ "$rc" -eq 99 ] || grep -qs . "$log".*; then
		echo "FAIL: memcheck reports for: $*"
		cat "$log".*
		fails=$((fails + 1))
	elif [ "$rc" -ne 0 ]; then
		echo "FAIL: exit $rc: $*"
		cat "$tmp/out"
		fails=$((fails + 1))
	else
		echo "ok: $*"
	fi
}

run ls -la "$M" "$M/dir"
run cat "$M/hello.txt" "$M/link"
run mkdir -p "$M/new/deep/er"
run cp "$M/hello.txt" "$M/new/copy.txt"
run cp -a "$M/dir" "$M/dir-copy"
run mv "$M/hello.txt" "$M/renamed.txt"
run sed -i 's/two/TWO/' "$M/dir/lines.txt"
run rm -rf "$M/empty" "$M/dir/sub"
run tar -C "$M/new" -xf "$M/archive.tar"
run find "$M" -name '*.txt' -newer "$M/archive.tar"
run sh -c 'cd "$1" && echo made >f && cat f >>g && ln -s f l && chmod 600 g && touch -r archive.tar f && ls -l' sh "$M"
run stat "$M/renamed.txt" "$M/new/t/in-tar"
# Threads: each one's directory cache is malloc'ed and zeroed a set at a
# time (dcache.c's sets_put, sets_named): a set read before it is
# zeroed is memcheck's report here (a calloc'ed cache hid it).
# (The interpreter itself, not a wrapper script that execs it.)
py=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) || py=
if [ -x "$py" ]; then
	run "$py" -c '
import os, sys, threading
m = sys.argv[1]
def work(k):
    for r in range(3):
        for i in range(8):
            d = "%s/t%d" % (m, i)
            for n in sorted(os.listdir(d)):
                os.lstat(d + "/" + n)
            os.lstat(d + "/s/f")
            try:
                os.lstat(d + "/s/nope")
            except FileNotFoundError:
                pass
        if r == 1:
            open("%s/t%d/s/new%d" % (m, k, k), "w").close()
errs = []
def run(k):
    try:
        work(k)
    except OSError as e:
        errs.append(e)
ts = [threading.Thread(target=run, args=(k,)) for k in range(2)]
for t in ts: t.start()
for t in ts: t.join()
sys.exit(repr(errs) if errs else 0)
' "$M"
fi

# What a user would notice afterwards, read without the library.
check() {
	if ! eval "$1"; then
		echo "FAIL: $1"
		fails=$((fails + 1))
	fi
}
check '[ "$(cat "$U/renamed.txt")" = hello ]'
check '[ "$(cat "$U/new/copy.txt")" = hello ]'
check '[ "$(cat "$U/new/t/in-tar")" = "from the tarball" ]'
check 'grep -qx TWO "$U/dir/lines.txt"'
check '[ -d "$U/new/deep/er" ] && [ -f "$U/dir-copy/sub/numbers" ]'
check '[ "$(cat "$U/f")" = made ] && [ "$(stat -c %a "$U/g")" = 600 ]'
after=$(cd "$L" && find . -printf '%p %y %m %s %l\n' | sort; \
	find . -type f -exec md5sum {} + | sort)
check '[ "$before" = "$after" ]'
check '[ ! -x "$py" ] || { [ -f "$U/t0/s/new0" ] && [ -f "$U/t1/s/new1" ]; }'

if [ "$fails" -ne 0 ]; then
	echo "FAIL: $fails failures ($n programs, then the checks)"
	exit 1
fi
echo "PASS: $n programs under memcheck with libunion, no report"
