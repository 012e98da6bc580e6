#!/bin/bash
# readdir-whiteout-concurrent: a process lists directories while the
# whiteout table is empty, a child process deletes lower names (the
# table's first records), and the same process lists again: the names
# must be gone, as through the kernel.  A listing skips building the
# table's key of each lower name while the table holds no record
# (readdir.c hidden_by, un_wtable_empty); this catches an "empty" that
# outlives another process's whiteout (the generation in the lock file
# is what tells).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	mkdir -p "$1/upper/both" "$1/lower1/low/sub" "$1/lower1/both"
	local n
	for n in a b c; do
		echo "low $n" >"$1/lower1/low/$n"
		echo "both $n" >"$1/lower1/both/$n"
	done
	echo up >"$1/upper/both/u"
	fix_times "$1"
}

cat >"$T/probe.py" <<'PY'
import os, subprocess, sys

m = sys.argv[1]

def show(tag, dirs=('low', 'both')):
    for d in dirs:
        print(tag, d, ' '.join(sorted(os.listdir(os.path.join(m, d)))))

show('before', ('low', 'both', 'low/sub'))
subprocess.run(['sh', '-c', 'rm low/b both/a && rmdir low/sub'], cwd=m,
               check=True)
show('after')
subprocess.run(['sh', '-c', 'rm low/a both/b'], cwd=m, check=True)
show('again')
PY

action() {
	step '"$PYTHON" "$T/probe.py" "$M" 2>&1 | sed "s/No such file.*/ENOENT/"'
}

compare_kernel_union readdir-whiteout-concurrent setup action
UN_AS=nobody UN_NOBODY_LOWERS=both compare_kernel_union \
	readdir-whiteout-concurrent-nobody setup action
un_done
