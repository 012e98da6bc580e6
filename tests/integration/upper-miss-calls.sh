#!/bin/bash
# upper-miss-calls: a process that misses names in a directory of the
# upper lists it once it has missed three distinct names there (more
# are likely to follow: tar x, configure), but not for the same name
# missed again: a compiler's cc1 misses x.c.gch then x.c twice, its as
# x.o twice, and each listed the 200 objects of a make's directory
# (bench/README.md "Session 12 (make)").  Counted with strace; the
# answers are those of a plain lstat.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_strace

mkdir -p "$T/view" "$T/upper/src" "$T/lower/src"
for i in $(seq -w 1 200); do : >"$T/upper/src/o$i.o"; done
: >"$T/lower/src/x.c"
cat >"$T/miss.py" <<'EOF2'
import os, sys
n = 0
for name in sys.argv[2:]:
    try:
        os.lstat(sys.argv[1] + "/" + name)
        n += 1
    except FileNotFoundError:
        pass
print(n)
EOF2
count() {
	count_calls -e openat "$T/trace" "$T/view" "$T/upper" "$T/lower" -- \
		"$PYTHON" -B "$T/miss.py" "$T/view/src" "$@" >"$T/out"
	# (Python lists the directories of its own path too.)
	grep -c "openat(AT_FDCWD, \"$T/upper/src\", .*O_DIRECTORY" "$T/trace" || true
}
n=$(count x.c.gch x.c x.c o001.o x.c)
[ "$(cat "$T/out")" = 4 ] || fail "found $(cat "$T/out") names, not 4 (x.c thrice, o001.o)"
[ "$n" = 0 ] || fail "$n listings of the upper directory for two distinct names missed (none)"
n=$(count a b c d e f x.c o200.o)
[ "$(cat "$T/out")" = 2 ] || fail "found $(cat "$T/out") names, not 2"
[ "$n" -ge 1 ] || fail "no listing after six distinct names missed"
printf 'ok: the upper directory listed only after three distinct names missed\n'
un_done
