#!/bin/bash
# long-fd-link-out: linkat(fd, "", AT_FDCWD, outside, AT_EMPTY_PATH) of a descriptor opened read-only on a lower's file below PATH_MAX's depth (30 names of 200 bytes), the new name outside the union; the same through /proc/self/fd/N with AT_SYMLINK_FOLLOW; in the program's own process and inherited across exec.  dir.c link_nodes read the descriptor's merged path into a PATH_MAX buffer: too long, it was taken for one outside and the LOWER's file got a name outside the union (its link count changed; the new name writes the lower's data).  The kernel: EXDEV (as nobody too: Linux 6.10 lets a file's opener link it; after exec ENOENT, where the library says EXDEV).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

cat >"$T/a.py" <<'PY'
import ctypes, os, sys
N, DEPTH = "n" * 200, 30
M, out, how = sys.argv[1], sys.argv[2], sys.argv[3]
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD, AT_EMPTY_PATH, AT_SYMLINK_FOLLOW = -100, 0x1000, 0x400
def link(fd, name, path, flags):
    r = libc.linkat(fd, path, AT_FDCWD, os.path.join(out, name).encode(),
                    flags)
    print(name + ": " + ("ok" if r == 0 else os.strerror(ctypes.get_errno())))
if how == "child":
    fd, how = int(sys.argv[4]), "exec"
else:
    os.chdir(M + "/deep")
    for _ in range(DEPTH):
        os.chdir(N)
    fd = os.open("lo", os.O_RDONLY)
    os.chdir("/")
    if how == "exec":
        os.set_inheritable(fd, True)
        os.execv(sys.executable, [sys.executable, "-B", sys.argv[0], M,
                                  out, "child", str(fd)])
link(fd, "by-fd-" + how, b"", AT_EMPTY_PATH)
link(AT_FDCWD, "by-proc-" + how, b"/proc/self/fd/%d" % fd, AT_SYMLINK_FOLLOW)
print(" ".join(sorted(os.listdir(out))) or "none outside")
PY

layers() {
	local d=$T/$1
	rm -rf "$d"
	mkdir -p "$d/upper" "$d/lower" "$d/work" "$d/view" "$d/out"
	PYTHONPATH="$TOP_SRCDIR/tests/prog" "$PYTHON" -B - "$d/lower" <<'PY'
import os, sys
from deep import *
fd = chain_at(sys.argv[1])
put(fd, "lo", b"low\n")
os.close(fd)
PY
	[ "${1%%-*}" = nobody ] && chown -R 65534:65534 "$d"
	return 0
}

is_root && need_kernel_overlay

run() {
	local who=$1 run=$2 d spec how kout
	for how in self exec; do
		# The kernel's answer, as the same user: EXDEV.
		kout=
		if is_root; then
			layers "kernel-$who"
			d=$T/kernel-$who
			kernel_mount "$d/view" "$d/upper" "$d/work" "$d/lower"
			kout=$(cd / && $run "$PYTHON" -B "$T/a.py" "$d/view" "$d/out" $how 2>&1)
			kernel_umount "$d/view"
			# (As nobody after exec, the opener's credentials are
			# not the caller's: ENOENT, Linux 6.10's flink rule.
			# The library answers EXDEV there: never a link.)
			local e="Invalid cross-device link"
			[ "$who-$how" = nobody-exec ] && e="No such file or directory"
			expect_eq "$who: kernel: a deep lower file's descriptor linked out ($how)" \
				"$(printf 'by-fd-%s: %s\nby-proc-%s: Invalid cross-device link\nnone outside' $how "$e" $how)" \
				"$kout"
		fi
		layers "$who-$how"
		d=$T/$who-$how
		lowers_snapshot "$d/lower"
		spec=$(un_spec "$d/view" "$d/upper" "$d/lower")
		# (/proc's link of a file that deep: refused, ENAMETOOLONG.)
		expect_eq "$who: a deep lower file's descriptor linked out ($how)" \
			"$(printf 'by-fd-%s: Invalid cross-device link\nby-proc-%s: File name too long\nnone outside' $how $how)" \
			"$(cd / && $run env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
				"$PYTHON" -B "$T/a.py" "$d/view" "$d/out" $how 2>&1)"
		lowers_check
	done
}

run_self_then_nobody run
un_done
