#!/bin/bash
# python-write-rename: Python writes: atomic save over a lower file, open modes, shutil, tempfile.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_small_tree "$1"; }

cat >"$T/write.py" <<'PY'
import os, sys, tempfile, shutil
M = sys.argv[1]
fd, tmp = tempfile.mkstemp(dir=M + "/d", prefix=".tmp")
os.write(fd, b"saved atomically\n")
os.close(fd)
os.chmod(tmp, 0o644)
os.replace(tmp, M + "/d/x2")
print(open(M + "/d/x2").read(), end="")
with open(M + "/f1", "a") as f:
    f.write("appended by python\n")
with open(M + "/f2", "r+") as f:
    f.seek(0)
    f.write("F2")
with open(M + "/new.txt", "x") as f:
    f.write("x\n")
try:
    open(M + "/f1", "x")
except FileExistsError as e:
    print("x on existing:", e.strerror)
os.rename(M + "/new.txt", M + "/renamed.txt")
shutil.copytree(M + "/d", M + "/d-tree")
shutil.rmtree(M + "/d2")
os.makedirs(M + "/a/b/c", exist_ok=True)
os.makedirs(M + "/d/sub", exist_ok=True)
with tempfile.NamedTemporaryFile(dir=M) as t:
    t.write(b"tmp")
    t.flush()
    print("temporary file exists:", os.path.exists(t.name))
with tempfile.TemporaryDirectory(dir=M + "/d") as td:
    open(os.path.join(td, "f"), "w").close()
    print("temporary dir holds:", os.listdir(td))
shutil.move(M + "/fu", M + "/d/fu-moved")
shutil.move(M + "/d-tree", M + "/e1/")
for root, dirs, files in sorted(os.walk(M)):
    print(os.path.relpath(root, M), sorted(dirs), sorted(files))
for n in ("f1", "f2", "d/x2", "d/fu-moved"):
    st = os.stat(os.path.join(M, n))
    print(n, oct(st.st_mode), st.st_size, st.st_nlink)
PY

action() {
	step '"$PYTHON" "$T/write.py" "$M"'
}

compare_kernel_union python-write-rename setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union python-write-rename-nobody setup action
un_done
