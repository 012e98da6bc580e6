#!/bin/bash
# search-perm-topmost-copy: search (x) permission of a merged directory is that of its topmost copy, for the names found only in a lower too, for chdir into it and for `..` through it: chmod 0600 of a lower 0755 directory (copied up) hides d/f and d/sub/g (EACCES), then chmod 0755 again shows them; and the reverse (upper copy 0755 over a lower copy 0700).  As root (no difference) and as nobody owning the lowers.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	make_small_tree "$1"
	mkf "$1/lower1/p/f" 644 "p/f, lower1"
	mkf "$1/lower1/p/sub/g" 644 "p/sub/g, lower1"
	mkf "$1/lower2/p/h" 644 "p/h, lower2"
	mkf "$1/lower1/q/f" 644 "q/f, lower1"
	mkf "$1/lower1/q/sub/g" 644 "q/sub/g, lower1"
	mkd "$1/upper/q" 755
	chmod 700 "$1/lower1/q"
	# The user owns the lowers, on both sides (DESIGN.md: the
	# kernel reference; a lower 0700 must be theirs to be read).
	if [ "${UN_AS:-root}" = nobody ]; then
		chown -hR 65534:65534 "$1"/lower*
	fi
}

action() {
	# Walked (and cached) first, then the mode changes.
	step 'cat "$M/p/f" "$M/p/sub/g" "$M/p/h"; cd "$M/p/sub" && pwd'
	step 'chmod 0600 "$M/p"; stat -c "%a" "$M/p"; cat "$M/p/f"; cat "$M/p/sub/g"; cat "$M/p/h"; stat "$M/p/f" >/dev/null; ls "$M/p/sub"; cd "$M/p"; cd "$M/p/sub"; test -e "$M/p/nope"; echo "nope $?"'
	step 'cd "$M/d" && ls ../p/sub; cat ../p/f; cd ../p/..; pwd'
	step 'ls "$M/p" | sort; touch "$M/p/new"; mkdir "$M/p/sub/x"'
	step '"$PYTHON" -c "import os,sys; fd=os.open(sys.argv[1], os.O_RDONLY); os.fchmod(fd, 0o755); os.fchmod(fd, 0o700); os.fchmod(fd, 0o600)" "$M/e1"; ls "$M/e1"; cat "$M/e1/x" 2>&1 | sed "s/e1.*:/e1:/"'
	step 'chmod 0755 "$M/p"; cat "$M/p/f" "$M/p/sub/g" "$M/p/h"; cd "$M/p/sub" && cd .. && ls'
	# In one process (its directory cache): walked, chmod of the copy
	# already in the upper, walked again; then fchmod.
	stepx <<'PY'
"$PYTHON" - "$M" <<'EOF2'
import os, sys
M = sys.argv[1]
def t(what, f):
    try:
        f()
        print(what, "ok")
    except OSError as e:
        print(what, e.strerror)
for mode in (0o600, 0o755, 0o100, 0o600):
    t("stat p/sub/g", lambda: os.stat(M + "/p/sub/g"))
    t("listdir p/sub", lambda: os.listdir(M + "/p/sub"))
    t("listdir p", lambda: os.listdir(M + "/p"))
    t("stat p/f", lambda: os.stat(M + "/p/f"))
    os.chmod(M + "/p", mode)
    t("after chmod %o: stat p/sub/g" % mode, lambda: os.stat(M + "/p/sub/g"))
    t("stat p/f", lambda: os.stat(M + "/p/f"))
    t("stat p/nope", lambda: os.stat(M + "/p/nope"))
os.chmod(M + "/p", 0o755)
fd = os.open(M, os.O_RDONLY)
t("stat p/sub/g", lambda: os.stat("p/sub/g", dir_fd=fd))
os.fchmod(os.open(M + "/p", os.O_RDONLY), 0o600)
t("after fchmod: stat p/sub/g", lambda: os.stat("p/sub/g", dir_fd=fd))
os.chmod(M + "/p", 0o755)
EOF2
PY
	# The reverse: the upper copy 0755 over a lower copy 0700.
	step 'stat -c "%a" "$M/q"; cat "$M/q/f" "$M/q/sub/g"; cd "$M/q/sub" && cd ../.. && ls q'
}

compare_kernel_union search-perm-topmost-copy setup action
UN_MERGED_ABSENT=1 compare_kernel_union search-perm-topmost-copy-absent setup action
UN_AS=nobody UN_MERGED_ABSENT=1 \
	compare_kernel_union search-perm-topmost-copy-nobody setup action
UN_AS=nobody UN_INPLACE=1 \
	compare_kernel_union search-perm-topmost-copy-nobody-inplace setup action
un_done
