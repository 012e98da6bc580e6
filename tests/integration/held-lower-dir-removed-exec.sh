#!/bin/bash
# held-lower-dir-removed-exec: a descriptor of a lower-only directory,
# the directory removed in the union, then the descriptor used by a
# program that did not see it open (inherited across exec: the same
# as a record lost to one thread's close racing another's open).  The
# kernel: a create through it is ENOENT (a removed directory).  The
# library found the descriptor's real path in a lower, the merged path
# gone, and took it for one outside every union: the create went to
# the kernel and made the file in the LOWER's directory (fdtab.c
# discover_path; tests/stress/race.py's one "the lower l2 changed",
# session 15).  Now recorded as removed.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

cat >"$T/a.py" <<'PY'
import os, sys
M, how = sys.argv[1], sys.argv[2]
if how != "child":
    fd = os.open(M + "/v", os.O_RDONLY | os.O_DIRECTORY)
    os.set_inheritable(fd, True)
    os.rmdir(M + "/v")
    os.execv(sys.executable, [sys.executable, "-B", sys.argv[0], M,
                              "child", str(fd)])
fd = int(sys.argv[3])
try:
    os.close(os.open("new", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
    print("create: ok")
except OSError as e:
    print("create: " + e.strerror)
PY

play() {
	local run=$1 m=$2 how=$3
	shift 3
	$run env "$@" "$PYTHON" -B "$T/a.py" "$m" "$how" 2>&1
}

layers() {
	local d=$T/$1
	rm -rf "$d"
	mkdir -p "$d/upper" "$d/lower/v" "$d/work" "$d/view"
	echo low >"$d/lower/f"
	[ "${1%%-*}" = nobody ] && chown -R 65534:65534 "$d"
	return 0
}

# The kernel's answer, for the record.
if is_root; then
	need_kernel_overlay
	layers kernel
	kernel_mount "$T/kernel/view" "$T/kernel/upper" "$T/kernel/work" "$T/kernel/lower"
	expect_eq "kernel: an inherited descriptor of a removed lower directory" \
		"create: No such file or directory" \
		"$(cd / && play "" "$T/kernel/view" removed)"
	kernel_umount "$T/kernel/view"
fi

run() {
	local who=$1 run=$2 d spec
	layers "$who"
	d=$T/$who
	lowers_snapshot "$d/lower"
	spec=$(un_spec "$d/view" "$d/upper" "$d/lower")
	expect_eq "$who: an inherited descriptor of a removed lower directory" \
		"create: No such file or directory" \
		"$(cd / && play "$run" "$d/view" removed \
			UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION")"
	lowers_check
}

run_self_then_nobody run
un_done
