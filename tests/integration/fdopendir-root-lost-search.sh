#!/bin/bash
# fdopendir-root-lost-search: the MERGED root loses its owner's search permission (a chmod through a symlink to it), then directories held open before are listed through their descriptors (fdopendir: os.listdir; getdents64 by syscall()): never an empty or short listing.  A directory of the upper alone lists as under the kernel; a merged one answers the kernel's names or an error (README "Known limits": the library has the user's credentials, the kernel the mounter's), never fewer names (user seed inplace:992, branch listlost10).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_root
need_kernel_overlay

cat >"$T/list.py" <<'PY'
import ctypes, errno, os, sys
M = sys.argv[1]
NR = {"x86_64": 217, "aarch64": 61, "riscv64": 61}.get(os.uname().machine)
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
root = os.open(M, os.O_RDONLY | os.O_DIRECTORY)
fds = [(n, os.open(M + "/" + n, os.O_RDONLY | os.O_DIRECTORY))
       for n in ("up", "mix")]
os.chmod(M + "/up/c", 0)       # c -> ..: the MERGED root


def raw(fd):
    buf = ctypes.create_string_buffer(32768)
    os.lseek(fd, 0, os.SEEK_SET)
    names = []
    while True:
        got = libc.syscall(NR, fd, buf, 32768)
        if got < 0:
            return errno.errorcode[ctypes.get_errno()]
        if got == 0:
            return sorted(names)
        pos = 0
        while pos < got:
            reclen = int.from_bytes(buf.raw[pos + 16:pos + 18], "little")
            name = buf.raw[pos + 19:pos + reclen].split(b"\0", 1)[0]
            if name not in (b".", b".."):
                names.append(name.decode())
            pos += reclen


for n, fd in fds:
    try:
        print(n, "listdir", sorted(os.listdir(fd)))
    except OSError as e:
        print(n, "listdir", errno.errorcode[e.errno])
    if NR:
        print(n, "getdents64", raw(fd))
os.fchmod(root, 0o755)
PY

build() {
	rm -rf "$1"
	mkdir -p "$1/upper/up" "$1/upper/mix" "$1/lower1/mix" "$1/m"
	: >"$1/upper/up/x"
	ln -s .. "$1/upper/up/c"
	: >"$1/upper/mix/u"
	: >"$1/lower1/mix/l"
	chown -hR 65534:65534 "$1/upper" "$1/lower1"
}

build "$T/k"
kernel_mount "$T/k/m" "$T/k/upper" "$T/k/work" "$T/k/lower1"
kout=$(cd / && as_nobody "$PYTHON" "$T/list.py" "$T/k/m" 2>&1) || true
kernel_umount "$T/k/m"

build "$T/u"
uout=$(cd / && as_nobody env UNION_LAYERS="$(un_spec "$T/u/m" "$T/u/upper" "$T/u/lower1")" \
	LD_PRELOAD="$LIBUNION" "$PYTHON" "$T/list.py" "$T/u/m" 2>&1) || true

printf 'kernel:\n%s\nlibunion:\n%s\n' "$kout" "$uout" >&2
expect_eq "the directory of the upper alone lists as under the kernel" \
	"$(grep '^up ' <<<"$kout")" "$(grep '^up ' <<<"$uout")"
# A merged directory: the kernel's names, or an error; never fewer names.
while read -r kl; do
	what=${kl% \[*}
	ul=$(grep -F -x -e "$kl" -e "$what EACCES" <<<"$uout" || true)
	expect_true "merged: '$what' lists the kernel's names or fails" \
		[ -n "$ul" ]
done < <(grep '^mix ' <<<"$kout")
expect_eq "as many answers" "$(wc -l <<<"$kout")" "$(wc -l <<<"$uout")"
un_done
