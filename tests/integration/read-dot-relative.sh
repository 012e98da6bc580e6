#!/bin/bash
# read-dot-relative: names relative to a merged cwd that start with "./" (ls -R's "./d/e", make's "./x") are looked up as the names after the dots (namei.c drop_lead_dots: the '.' asks the search permission the next name asks too), and a '.' with nothing after it ("." , "./", "./.") still asks it alone: in one process, walked and listed (the directory cache), then the cwd's copy loses x (chmod 0600) and regains it.  As root and as nobody owning the lowers.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	mkf "$1/upper/p/u" 644 "p/u, upper"
	mkf "$1/lower1/p/l" 644 "p/l, lower1"
	mkf "$1/upper/p/s/su" 644 "p/s/su, upper"
	mkf "$1/lower1/p/s/sl" 644 "p/s/sl, lower1"
	mkf "$1/lower1/p/t/tl" 644 "p/t/tl, lower1"
	if [ "${UN_AS:-root}" = nobody ]; then
		chown -hR 65534:65534 "$1"/lower* "$1/upper"
	fi
}

action() {
	step 'cd "$M/p" && ls -R . && ls -R ./ && cat ./u ./l .//s/su ././s/sl ./t/tl ./s/../l && ls ./s ./t'
	stepx <<'PY'
"$PYTHON" - "$M" <<'EOF2'
import os, sys
os.chdir(sys.argv[1] + "/p")
def t(what, f):
    try:
        r = f()
        print(what, "ok", r if isinstance(r, list) else "")
    except OSError as e:
        print(what, e.strerror)
names = ("./u", "./l", "./s/su", "./s/sl", "./t/tl", "./s", "./t",
         ".", "./", "./.", ".//", "./..", "./nope", "./s/nope")
for mode in (0o755, 0o600, 0o100, 0o755):
    os.chmod(".", mode)
    for n in names:
        t("%o stat %s" % (mode, n), lambda: os.stat(n).st_mode & 0o170000)
    t("%o listdir ./s" % mode, lambda: sorted(os.listdir("./s")))
    t("%o listdir ." % mode, lambda: sorted(os.listdir(".")))
    t("%o listdir ./" % mode, lambda: sorted(os.listdir("./")))
    t("%o open ./l" % mode, lambda: os.close(os.open("./l", os.O_RDONLY)))
os.chmod(".", 0o755)
EOF2
PY
}

compare_kernel_union read-dot-relative setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union read-dot-relative-nobody setup action
un_done
