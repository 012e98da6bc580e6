#!/bin/bash
# oci-lowers-deep: OCI layers (UNION_OCI_LOWERS=1) whose markers lie below PATH_MAX's depth (30 names of 200 bytes): .wh.NAME hides NAME of the layer below, .wh..wh..opq makes a directory opaque; a lookup, a listing, a walk down through a descriptor.  namei.c oci_marker wrote the marker's path into a PATH_MAX buffer: too long, no marker was seen (the hidden name and the opaque directory's lower names showed to a lookup).  Compared with what applying the layers in order gives (oci-lowers' oci-apply.py cannot extract a path that long).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_lib || un_done

L=$T/layers
mkdir -p "$L/1" "$L/2"
"$PYTHON" - "$L" <<'PY'
import os, sys
N = "n" * 200
def chain(layer):
    fd = os.open(os.path.join(sys.argv[1], layer), os.O_RDONLY)
    for name in ["deep"] + [N] * 30:
        os.mkdir(name, 0o755, dir_fd=fd)
        nfd = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = nfd
    return fd
def mk(fd, name, data=b"x\\n"):
    w = os.open(name, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
    os.write(w, data)
    os.close(w)
fd = chain("1")
mk(fd, "a"); mk(fd, "gone")
os.mkdir("od", 0o755, dir_fd=fd); mk(fd, "od/old")
os.mkdir("gd", 0o755, dir_fd=fd); mk(fd, "gd/in")
os.close(fd)
fd = chain("2")
mk(fd, ".wh.gone", b""); mk(fd, ".wh.gd", b"")
os.mkdir("od", 0o755, dir_fd=fd)
mk(fd, "od/.wh..wh..opq", b""); mk(fd, "od/new")
os.close(fd)
PY
lowers_snapshot "$L/1" "$L/2"

cat >"$T/look.py" <<'PY'
import os, sys
N = "n" * 200
os.chdir(sys.argv[1] + "/deep")
for _ in range(30):
    os.chdir(N)
def t(what, f):
    try:
        print(what, f())
    except OSError as e:
        print(what, os.strerror(e.errno))
t("stat gone", lambda: os.stat("gone").st_size)
t("stat gd/in", lambda: os.stat("gd/in").st_size)
t("stat od/old", lambda: os.stat("od/old").st_size)
t("stat od/new", lambda: os.stat("od/new").st_size)
t("list .", lambda: sorted(os.listdir(".")))
t("list od", lambda: sorted(os.listdir("od")))
fd = os.open("od", os.O_RDONLY | os.O_DIRECTORY)
t("openat od/old", lambda: os.close(os.open("old", os.O_RDONLY, dir_fd=fd)))
t("fdlist od", lambda: sorted(os.listdir(fd)))
PY

want='stat gone No such file or directory
stat gd/in No such file or directory
stat od/old No such file or directory
stat od/new 3
list . ['"'"'a'"'"', '"'"'od'"'"']
list od ['"'"'new'"'"']
openat od/old No such file or directory
fdlist od ['"'"'new'"'"']'

# (The layers applied in order, as oci-lowers' oci-apply.py would: its
# tarfile cannot make a path that long.)
expect_eq "the union of the layers" "$want" \
	"$(UNION_OCI_LOWERS=1 UNION_LAYERS="$(un_escape "$T/rootfs")=:$(un_escape "$L/2"):$(un_escape "$L/1")" \
		LD_PRELOAD="$LIBUNION" "$PYTHON" -B "$T/look.py" "$T/rootfs" 2>&1)"
lowers_check
un_done
