#!/bin/bash
# copyup-dir-cred-change: one root process copies lower directories up (a file made in each) between changes of its group ids (setegid, setfsgid, setresgid, setregid, setgid) and of its uids (seteuid, setfsuid): every copy keeps its lower's owner, as the kernel's does -- the library's memo of the owner a staged directory gets (copy_up.c) is forgotten at each change (wrap_cred.c).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_root

setup() {
	local d
	mkdir -p "$1/upper"
	for d in a b c d e f g; do
		mkd "$1/lower1/$d" 755
	done
	mkd "$1/lower1/p" 755
	for d in u1 u2 u3 u4; do
		mkd "$1/lower1/p/$d" 777
		chown 1000:1000 "$1/lower1/p/$d"
	done
}

# The first copy-up as root learns the owner a staged directory gets
# (0:0, the lowers' too); each later one is made under other ids, so a
# memo kept across a change would skip the lchown that gives the copy
# its lower's owner.  As the uid 1000 the library writes the upper
# itself (the kernel with the mounter's credentials): p is made
# writable first, and libunion's work directory (union side only).
action() {
	step 'chmod 777 "$M/p"; st "$M/p"'
	stepx <<'PY'
"$PYTHON" -B - "$M" <<'EOF2'
import ctypes, os, sys
M = sys.argv[1]
libc = ctypes.CDLL(None, use_errno=True)
def mk(d):
    try:
        os.close(os.open(M + "/" + d + "/new", os.O_WRONLY | os.O_CREAT, 0o644))
        print(d, "made")
    except OSError as e:
        print(d, e.strerror)
def work_for_all():
    w = os.environ["L"] + "/upper/.union/work"
    if os.path.isdir(w):
        os.chmod(w, 0o1777)
mk("a")
os.setegid(1234); mk("b"); os.setegid(0)
libc.setfsgid(4321); mk("c"); libc.setfsgid(0)
os.setresgid(-1, 2345, -1); mk("d"); os.setresgid(-1, 0, -1)
os.setregid(-1, 3456); mk("e"); os.setregid(-1, 0)
os.setgid(5678); mk("f"); os.setgid(0)
mk("g")
work_for_all()
os.setegid(1000); os.seteuid(1000); mk("p/u1")
os.seteuid(0); mk("p/u2")
os.seteuid(1000); mk("p/u3")
libc.setfsuid(0); mk("p/u4"); libc.setfsuid(1000)
os.seteuid(0); os.setegid(0)
EOF2
PY
	step 'cd "$M" && st a b c d e f g p/u1 p/u2 p/u3 p/u4 */new p/*/new'
}

compare_kernel_union copyup-dir-cred-change setup action
un_done
