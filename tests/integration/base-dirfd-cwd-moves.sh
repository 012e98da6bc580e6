#!/bin/bash
# base-dirfd-cwd-moves: names looked up relative to a directory descriptor or to the cwd stay right while that directory is copied up (a file made in it), renamed, exchanged or removed and made again: the library resolves them relative to the descriptor's or cwd's own layer, which each of these changes must move or forget (one descriptor at number 1500: past the first chunk of the library's table, the highest it holds).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	make_small_tree "$1"
	mkf "$1/lower1/lo/a" 644 "lo/a from lower1"
	mkf "$1/lower1/lo/sub/b" 644 "lo/sub/b from lower1"
	mkf "$1/lower2/lo/c" 644 "lo/c from lower2"
}

action() {
	step '"$PYTHON" - "$M" <<"PY"
import os, sys
m = sys.argv[1]
def show(label, fd, names):
    out = []
    for n in names:
        try:
            st = os.stat(n, dir_fd=fd, follow_symlinks=False)
            data = ""
            if os.path.isfile(os.path.join(m, "lo", n)) or True:
                try:
                    f = os.open(n, os.O_RDONLY, dir_fd=fd)
                    data = os.read(f, 100).decode().strip()
                    os.close(f)
                except OSError as e:
                    data = e.strerror
            out.append("%s:%o:%s" % (n, st.st_mode, data))
        except OSError as e:
            out.append("%s:%s" % (n, e.strerror))
    print(label, " ".join(out))
names = ["a", "c", "sub/b", "new", "sub/new2", "."]
fd = os.open(m + "/lo", os.O_RDONLY | os.O_DIRECTORY)
sub = os.open(m + "/lo/sub", os.O_RDONLY | os.O_DIRECTORY)
show("start", fd, names)
with open(m + "/lo/new", "w") as f:      # copies lo up
    f.write("new in lo\n")
show("after copy-up", fd, names)
with open(m + "/lo/sub/new2", "w") as f:
    f.write("new2 in lo/sub\n")
show("sub after copy-up", sub, ["b", "new2"])
try:
    os.rename(m + "/lo", m + "/lo2")    # merged: EXDEV, as the kernel
except OSError as e:
    print("rename lo:", e.strerror)
os.mkdir(m + "/up")
with open(m + "/up/x", "w") as f:
    f.write("x in up\n")
# At a number past the first 1,024 and above every other: the library
# walks its descriptors only up to the highest number it ever recorded.
import resource
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft < 1501 and (hard == resource.RLIM_INFINITY or hard >= 1501):
    resource.setrlimit(resource.RLIMIT_NOFILE, (1501, hard))
first = os.open(m + "/up", os.O_RDONLY | os.O_DIRECTORY)
up = os.dup2(first, min(1500, resource.getrlimit(resource.RLIMIT_NOFILE)[0] - 1))
os.close(first)
os.rename(m + "/up", m + "/up2")
with open(m + "/up2/y", "w") as f:
    f.write("y in up2\n")
show("after rename", up, ["x", "y", "."])
os.mkdir(m + "/up")
with open(m + "/up/x", "w") as f:
    f.write("x in the new up\n")
show("old fd, new up made", up, ["x", "y"])
os.unlink(m + "/up2/x")
os.unlink(m + "/up2/y")
os.rmdir(m + "/up2")
show("old fd, removed", up, ["x", "y"])
os.chdir(m + "/up")
os.rename(m + "/up", m + "/up3")
show("cwd renamed", os.open(".", os.O_RDONLY), ["x"])
print(open("x").read().strip(), sorted(os.listdir(".")))
PY'
	step 'cd "$M/lo/sub"; pwd | sed "s|$M|MERGED|"; cat b; ls; echo x > here; ls; cat here; cd ..; cat a c; ls sub'
	step 'cd "$M/d2/deeper" && cat z && touch made && ls && mv "$M/d2" "$M/d2moved" && cat z && ls && ls .. | sort'
	step 'cd "$M/e2" && mkdir inner && cd inner && rmdir "$M/e2/inner" && { ls 2>&1; cat nothing 2>&1; true; }; cd "$M" && ls e2'
}

compare_kernel_union base-dirfd-cwd-moves setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union base-dirfd-cwd-moves-nobody setup action
un_done
