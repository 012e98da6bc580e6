#!/bin/bash
# fdopendir-lower-below-lost-search: a merged directory loses its owner's search permission (chmod 600), then directories of a lower below it, held open before, are listed through their descriptors (fdopendir: os.listdir; getdents64 by syscall()).  One still of the lower alone lists as under the kernel (the kernel reads the directory it holds, no lookup: found/132, user seed inplace:2610); one copied up through its descriptor since (fchmod) is merged: the kernel's names or an error, never the upper's copy's names alone (found/145).
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
fds = [(n, os.open(M + "/a/b/" + n, os.O_RDONLY | os.O_DIRECTORY))
       for n in ("low", "cp")]
os.chmod(M + "/a", 0o600)
os.fchmod(fds[1][1], 0o700)     # cp: copied up through its descriptor


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
os.chmod(M + "/a", 0o755)
PY

build() {
	rm -rf "$1"
	mkdir -p "$1/upper" "$1/lower1/a/b/low" "$1/lower1/a/b/cp" "$1/m"
	: >"$1/lower1/a/b/low/l"
	: >"$1/lower1/a/b/cp/l"
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
expect_true "the kernel lists the lower's directory" \
	grep -q "^low listdir \['l'\]" <<<"$kout"
expect_eq "the directory of the lower alone lists as under the kernel" \
	"$(grep '^low ' <<<"$kout")" "$(grep '^low ' <<<"$uout")"
# Copied up since: the kernel's names, or an error; never fewer names.
while read -r kl; do
	what=${kl% \[*}
	ul=$(grep -F -x -e "$kl" -e "$what EACCES" <<<"$uout" || true)
	expect_true "copied up: '$what' lists the kernel's names or fails" \
		[ -n "$ul" ]
done < <(grep '^cp ' <<<"$kout")
expect_eq "as many answers" "$(wc -l <<<"$kout")" "$(wc -l <<<"$uout")"
un_done
