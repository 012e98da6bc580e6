#!/bin/bash
# read-python-walk: Python walks the merged view (os.walk, scandir, pathlib, realpath).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_rich_tree "$1"; }

cat >"$T/walk.py" <<'PY'
import os, sys, pathlib
M = sys.argv[1]
def rel(p):
    return os.path.relpath(p, M)
for top, follow in ((M, False), (M, True)):
    print("os.walk followlinks=%s" % follow)
    for root, dirs, files in os.walk(top, followlinks=follow, onerror=lambda e: print("  error:", e.strerror, rel(e.filename))):
        dirs.sort()
        print("  %s %s %s" % (rel(root), dirs, sorted(files)))
print("scandir")
for e in sorted(os.scandir(M), key=lambda e: e.name):
    st = os.lstat(e.path)
    print("  %s dir=%s file=%s link=%s d_ino=st_ino:%s" % (e.name,
        e.is_dir(follow_symlinks=False), e.is_file(follow_symlinks=False),
        e.is_symlink(), e.inode() == st.st_ino))
print("listdir dir:", sorted(os.listdir(os.path.join(M, "dir"))))
print("rglob:", sorted(str(p.relative_to(M)) for p in pathlib.Path(M).rglob("*.txt")))
for name in ("rel-link", "abs-link", "abs-dirlink", "dirlink", "chain-link", "dangling", "loop-a"):
    p = os.path.join(M, name)
    try:
        target = os.readlink(p)
    except OSError as e:
        target = e.strerror
    print("%s: readlink=%s realpath=%s exists=%s isdir=%s" % (name,
        target.replace(M, "MERGED"), os.path.realpath(p).replace(M, "MERGED"),
        os.path.exists(p), os.path.isdir(p)))
for name in ("common.txt", "shape1", "shape3", "dir/a3.txt", "secret.txt", "nope", "shape2"):
    try:
        with open(os.path.join(M, name)) as f:
            print(name, repr(f.read()))
    except OSError as e:
        print(name, e.strerror)
print("nlink of merged root, dir, emptydir:", os.stat(M).st_nlink,
      os.stat(M + "/dir").st_nlink, os.stat(M + "/emptydir").st_nlink)
os.chdir(M + "/dir/sub")
print("getcwd:", os.getcwd().replace(M, "MERGED"), sorted(os.listdir(".")))
print("abspath ..:", os.path.abspath("..").replace(M, "MERGED"), os.path.exists("../a1.txt"))
print("access:", [(n, os.access(os.path.join(M, n), os.R_OK)) for n in ("ro.txt", "secret.txt", "private")])
PY

action() {
	step '"$PYTHON" "$T/walk.py" "$M"'
}

compare_kernel_union read-python-walk setup action
UN_AS=nobody compare_kernel_union read-python-walk-nobody setup action
un_done
