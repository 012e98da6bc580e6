#!/bin/bash
# unlink-euid-change: a root process that changes its effective uid between unlinks (seteuid, setresuid, a raw syscall(SYS_setresuid)) in a 0555 lower directory: refused while another uid, allowed as root again -- the library's cached effective uid follows every change.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_root

setup() {
	mkdir -p "$1/upper" "$1/lower1"
	for f in a b c d e f g; do
		mkf "$1/lower1/ro/$f" 644 "$f"
	done
	chmod 555 "$1/lower1/ro"
}

# Each unlink prints its outcome; the first, as root, fills the cache
# and copies ro up (so that no copy-up refuses the other uid for us).
# 12345 is a uid with no account: the other bits of 0555 refuse it.
# The raw syscall comes last: it turns the cache off for good.
action() {
	step '"$PYTHON" -c "
import ctypes, errno, os, sys
m = sys.argv[1]
def rm(name):
    try:
        os.unlink(m + \"/\" + name)
        print(name, \"removed\")
    except OSError as e:
        print(name, errno.errorcode[e.errno])
rm(\"ro/a\")
os.seteuid(12345); rm(\"ro/b\")
os.seteuid(0); rm(\"ro/c\")
os.setresuid(-1, 12345, -1); rm(\"ro/d\")
os.setresuid(-1, 0, -1); rm(\"ro/e\")
libc = ctypes.CDLL(None, use_errno=True)
nr = 117  # SYS_setresuid on x86_64
if os.uname().machine == \"aarch64\":
    nr = 147
libc.syscall.argtypes = [ctypes.c_long] * 4
libc.syscall(nr, -1, 12345, -1); rm(\"ro/f\")
libc.syscall(nr, -1, 0, -1); rm(\"ro/g\")
" "$M"; names "$M/ro"'
}

compare_kernel_union unlink-euid-change setup action
un_done
