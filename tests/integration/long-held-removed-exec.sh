#!/bin/bash
# long-held-removed-exec: held-lower-dir-removed-exec below PATH_MAX's depth (30 names of 200 bytes): a descriptor of a lower-only directory or file, removed in the union, then used by a program that did not see it open (inherited across exec), in a plain call and from a signal handler (signal mode: no allocation, no record kept).  fdtab.c discover_deep took such a descriptor for one outside (its lookup found nothing), and signal mode took any descriptor that deep for one outside: a create through the directory, a fchmod or fsetxattr of the file reached the LOWER.  Now a directory is recorded as removed (a create ENOENT, as the kernel's), a file by its merged path (the copy-up meets the whiteout: EEXIST, as the kernel's), and signal mode refuses (ENAMETOOLONG: nothing is recorded there).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

cat >"$T/a.py" <<'PY'
import ctypes, os, signal, sys
N, DEPTH = "n" * 200, 30
M, how = sys.argv[1], sys.argv[2]
if how in ("dir", "file"):
    os.chdir(M + "/deep")
    for _ in range(DEPTH):
        os.chdir(N)
    if how == "dir":
        fd = os.open("v", os.O_RDONLY | os.O_DIRECTORY)
        os.rmdir("v")
    else:
        fd = os.open("f", os.O_RDONLY)
        os.unlink("f")
    os.chdir("/")
    os.set_inheritable(fd, True)
    for mode in ("plain", "signal"):
        pid = os.fork()
        if pid == 0:
            os.execv(sys.executable, [sys.executable, "-B", sys.argv[0], M,
                                      "child", str(fd), how, mode])
        os.waitpid(pid, 0)
    sys.exit(0)
fd, how, mode = int(sys.argv[3]), sys.argv[4], sys.argv[5]
libc = ctypes.CDLL(None, use_errno=True)
def create():
    return libc.openat(fd, b"new", os.O_WRONLY | os.O_CREAT, 0o644)
steps = [("create", create)] if how == "dir" else [
    ("fchmod", lambda: libc.fchmod(fd, 0o600)),
    ("fsetxattr", lambda: libc.fsetxattr(fd, b"user.q", b"1", 1, 0))]
out = []
def play():
    for name, f in steps:
        r = f()
        out.append("%s %s: %s" % (mode, name, "ok" if r >= 0 else
                                  os.strerror(ctypes.get_errno())))
if mode == "plain":
    play()
else:
    # A C handler (ctypes), so that the library's trampoline runs it in
    # signal mode; raised synchronously.
    HANDLER = ctypes.CFUNCTYPE(None, ctypes.c_int)
    h = HANDLER(lambda sig: play())
    libc.signal(signal.SIGUSR1, h)
    libc.raise_(signal.SIGUSR1) if hasattr(libc, "raise_") else \
        getattr(libc, "raise")(signal.SIGUSR1)
print("\n".join(out))
PY

play() {
	local run=$1 m=$2 how=$3
	shift 3
	$run env "$@" "$PYTHON" -B "$T/a.py" "$m" "$how" 2>&1
}

layers() {
	local d=$T/$1
	rm -rf "$d"
	mkdir -p "$d/upper" "$d/lower" "$d/work" "$d/view"
	PYTHONPATH="$TOP_SRCDIR/tests/prog" "$PYTHON" -B - "$d/lower" <<'PY'
import os, sys
from deep import *
fd = chain_at(sys.argv[1])
os.mkdir("v", 0o755, dir_fd=fd)
put(fd, "f", b"low\n")
os.close(fd)
PY
	[ "${1%%-*}" = nobody ] && chown -R 65534:65534 "$d"
	return 0
}

# The kernel's answers (no $2); the library's ($2 = lib): in signal mode
# it refuses what it cannot look up without allocating, and a file that
# deep it cannot place at all (no '..' to climb, /proc's link unread):
# ENAMETOOLONG, the lowers unchanged.
want() {
	local no="File name too long"
	if [ "$1" = dir ]; then
		[ -n "${2:-}" ] || no="No such file or directory"
		printf 'plain create: No such file or directory\n'
		printf 'signal create: %s\n' "$no"
	elif [ -n "${2:-}" ]; then
		printf '%s fchmod: %s\n%s fsetxattr: %s\n' plain "$no" plain "$no" \
			signal "$no" signal "$no"
	else
		printf '%s fchmod: File exists\n%s fsetxattr: File exists\n' \
			plain plain signal signal
	fi
}

if is_root; then
	need_kernel_overlay
	for how in dir file; do
		layers kernel
		kernel_mount "$T/kernel/view" "$T/kernel/upper" "$T/kernel/work" "$T/kernel/lower"
		expect_eq "kernel: an inherited deep descriptor of a removed lower $how" \
			"$(want $how)" "$(cd / && play "" "$T/kernel/view" $how)"
		kernel_umount "$T/kernel/view"
	done
fi

run() {
	local who=$1 run=$2 d spec how
	for how in dir file; do
		layers "$who-$how"
		d=$T/$who-$how
		lowers_snapshot "$d/lower"
		spec=$(un_spec "$d/view" "$d/upper" "$d/lower")
		expect_eq "$who: an inherited deep descriptor of a removed lower $how" \
			"$(want $how lib)" \
			"$(cd / && play "$run" "$d/view" $how \
				UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION")"
		lowers_check
	done
}

run_self_then_nobody run
un_done
