#!/bin/bash
# cwd-renamed-by-child: a shell whose cwd another process (its child mv)
# renames goes on in the renamed directory, as the kernel's cwd follows
# the directory: the shell's next children (touch, mkdir, ls) work there.
# Found by tests/stress/progs.py (seed 1 as root: `mv "$PWD" ... && touch
# here` answered ENOENT under libunion).  An upper-only directory (the
# kernel renames it; a merged one it refuses with EXDEV, and mv copies).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

# The kernel's side is what shows the bug (an expected failure until the
# fix: tests/stress/local.mk): the union-only pass has nothing to compare.
[ "${UN_UNION_ONLY:-0}" != 1 ] || skip "needs the kernel's side (UN_UNION_ONLY=1)"

setup() { make_small_tree "$1"; }

action() {
	step 'cd "$M/du" && mv "$M/du" "$M/du2" && touch here && mkdir q && ls -A | sort; names "$M/du2"'
	step 'cd "$M/du2" && mv "$M/du2" "$M/d/du3" && pwd && ls -A | sort && echo x >g; names "$M/d/du3"'
	# A process that looks nothing up after its child's rename and
	# execs: the new program's cwd is the renamed directory too
	# (UNION_CWD still names the old path; fdtab.c inherited_moved).
	step 'cd "$M/d/du3" && "$PYTHON" -c "import os, subprocess, sys; subprocess.run([\"mv\", sys.argv[1] + \"/d/du3\", sys.argv[1] + \"/du4\"]); os.execv(\"/bin/sh\", [\"sh\", \"-c\", \"touch here2 && pwd -P && ls -A | sort\"])" "$M"; names "$M/du4"'
}

compare_kernel_union cwd-renamed-by-child setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union cwd-renamed-by-child-nobody setup action
un_done
