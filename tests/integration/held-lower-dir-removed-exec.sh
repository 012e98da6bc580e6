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
# session 15).  Now recorded as removed.  And a descriptor of a lower
# FILE removed in the union, inherited: the library took it for one
# outside and fchmod, fsetxattr changed the lower's file; the kernel
# (and the library, for a descriptor it knows) tries a copy-up that
# meets the whiteout: EEXIST.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

cat >"$T/a.py" <<'PY'
import os, sys
M, how = sys.argv[1], sys.argv[2]
if how == "dir":
    fd = os.open(M + "/v", os.O_RDONLY | os.O_DIRECTORY)
    os.rmdir(M + "/v")
elif how == "file":
    fd = os.open(M + "/f", os.O_RDONLY)
    os.unlink(M + "/f")
if how != "child":
    os.set_inheritable(fd, True)
    os.execv(sys.executable, [sys.executable, "-B", sys.argv[0], M,
                              "child", str(fd), how])
fd = int(sys.argv[3])
def create():
    os.close(os.open("new", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
steps = (("create", create),) if sys.argv[4] == "dir" else (("fchmod", lambda: os.fchmod(fd, 0o600)),
          ("fsetxattr", lambda: os.setxattr(fd, "user.q", b"1")))
for name, f in steps:
    try:
        f()
        print(name + ": ok")
    except OSError as e:
        print(name + ": " + e.strerror)
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

want() {
	if [ "$1" = dir ]; then
		echo "create: No such file or directory"
	else
		printf 'fchmod: File exists\nfsetxattr: File exists\n'
	fi
}

# The kernel's answers, for the record.
if is_root; then
	need_kernel_overlay
	for how in dir file; do
		layers kernel
		kernel_mount "$T/kernel/view" "$T/kernel/upper" "$T/kernel/work" "$T/kernel/lower"
		expect_eq "kernel: an inherited descriptor of a removed lower $how" \
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
		expect_eq "$who: an inherited descriptor of a removed lower $how" \
			"$(want $how)" \
			"$(cd / && play "$run" "$d/view" $how \
				UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION")"
		lowers_check
	done
}

run_self_then_nobody run
un_done
