#!/bin/bash
# long-copyup: a lower tree deeper than PATH_MAX (30 names of 200 bytes, issue 11, item 9), entered in the union one level at a time: create, append (a copy-up of the file and of its 30 parents, which are made in the upper by paths the kernel takes), read, unlink (a whiteout whose merged path is longer than PATH_MAX), rename, mkdir, rmdir of a lower directory, listings; another process then finds the whiteouts again, and lists and stats through '..'.  As root and as nobody owning the lowers.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	make_small_tree "$1"
	# mkdir -p cannot make it: one level at a time, with *at calls.
	"$PYTHON" - "$1/lower1" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
os.mkdir("deep", dir_fd=fd)
for name in ["deep"] + ["n" * 200] * 30:
    if name != "deep":
        os.mkdir(name, dir_fd=fd)
    nfd = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
    os.close(fd)
    fd = nfd
os.mkdir("sd", dir_fd=fd)
os.mkdir("ed", dir_fd=fd)
for f in ("a", "b", "c", "sd/x"):
    w = os.open(f, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
    os.write(w, ("lower " + f + "\n").encode())
    os.close(w)
# A time before 2005 (fix_times keeps it: its touch cannot reach this
# deep), from the bottom up through '..'.
t = (1000000000, 1000000000)
for f in ("a", "b", "c", "sd/x", "sd", "ed", "."):
    os.utime(f, t, dir_fd=fd, follow_symlinks=False)
for i in range(31):
    nfd = os.open("..", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
    os.close(fd)
    fd = nfd
    os.utime(".", t, dir_fd=fd)
PY
	chmod -R a+rX "$1"/lower*
}

action() {
	stepx <<'EOS'
PYTHONPATH="$TOP_SRCDIR/tests/prog" "$PYTHON" -B - <<'PY'
from deep import *
down(os.environ["M"] + "/deep")
print("deep", len(os.getcwd()) > 4096)
t("stat a", lambda: os.stat("a").st_size)
t("list", lambda: sorted(os.listdir(".")))
t("create", lambda: open("new", "w").write("x") and None)
t("append a", lambda: open("a", "a").write("more\n") and None)
t("read a", lambda: open("a").read())
t("unlink b", lambda: os.unlink("b"))
t("stat b", lambda: os.stat("b"))
t("rename c", lambda: os.rename("c", "c2"))
t("read c2", lambda: open("c2").read())
t("mkdir", lambda: os.mkdir("nd"))
t("rmdir ed", lambda: os.rmdir("ed"))
t("append sd/x", lambda: open("sd/x", "a").write("more\n") and None)
t("list", lambda: sorted(os.listdir(".")))
t("list sd", lambda: sorted(os.listdir("sd")))
os.chdir("..")
t("list ..", lambda: sorted(os.listdir(N)))
PY
EOS
	# A new process: the whiteouts are found again by their long paths.
	stepx <<'EOS'
PYTHONPATH="$TOP_SRCDIR/tests/prog" "$PYTHON" -B - <<'PY'
from deep import *
down(os.environ["M"] + "/deep")
t("list", lambda: sorted(os.listdir(".")))
t("stat b", lambda: os.stat("b"))
t("stat ed", lambda: os.stat("ed"))
t("read a", lambda: open("a").read())
t("stat ../n/a", lambda: os.stat("../" + N + "/a").st_size)
t("list ../ x30", lambda: sorted(os.listdir("../" * 30)))
PY
EOS
	# The other changes that copy up, at the bottom.
	stepx <<'EOS'
PYTHONPATH="$TOP_SRCDIR/tests/prog" "$PYTHON" -B - <<'PY'
from deep import *
down(os.environ["M"] + "/deep")
t("chmod a", lambda: os.chmod("a", 0o600))
t("utime sd/x", lambda: os.utime("sd/x", (1, 2)))
t("truncate sd/x", lambda: os.truncate("sd/x", 3))
t("setxattr a", lambda: os.setxattr("a", "user.t", b"v"))
t("getxattr a", lambda: os.getxattr("a", "user.t"))
t("link", lambda: os.link("c2", "c3"))
t("symlink", lambda: os.symlink("a", "s"))
t("readlink", lambda: os.readlink("s"))
t("mkfifo", lambda: os.mkfifo("ff"))
fd = os.open("new", os.O_RDONLY)
t("fchmod", lambda: os.fchmod(fd, 0o640))
os.close(fd)
t("rename sd", lambda: os.rename("sd", "sd2"))
t("stat", lambda: [(x, oct(os.lstat(x).st_mode), os.lstat(x).st_size)
                   for x in sorted(os.listdir("."))])
PY
EOS
	step 'cd "$M/deep"; ls; ls "$M"'
	# rm -r walks it with fts: a whiteout for every lower name, deep.
	step 'cd "$M"; rm -r deep; echo "rm $?"; ls'
}

compare_kernel_union long-copyup setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union long-copyup-nobody setup action

# The documented limit (libunion.7): a merged path of 8191 bytes (its
# layers' roots as long as MERGED) is made and entered; one byte more
# answers ENAMETOOLONG, where the kernel would not fail (so no kernel
# reference: the library alone).
if [ -z "$UN_HARNESS" ] && need_lib; then
	mkdir -p "$T/cap/u" "$T/cap/l" "$T/cap/m"
	got=$(cd "$T/cap/m" && PYTHONPATH="$TOP_SRCDIR/tests/prog" \
		un_run "$T/cap/m" "$T/cap/u" "$T/cap/l" -- "$PYTHON" -B -c '
from deep import *
while 8191 - len(os.getcwd()) - 1 > 255:
    os.mkdir(N)
    os.chdir(N)
k = 8191 - len(os.getcwd()) - 1
t("mkdir 8191", lambda: os.mkdir("m" * k))
t("chdir 8191", lambda: os.chdir("m" * k))
print("getcwd", len(os.getcwd()))
os.chdir("..")
t("mkdir 8192", lambda: os.mkdir("m" * (k + 1)))
t("open 8192", lambda: open("f" * (k + 1), "w") and None)
t("rename to 8192", lambda: os.rename("m" * k, "m" * (k + 1)))
')
	expect_eq "merged paths up to 8191 bytes, ENAMETOOLONG past them" \
		"mkdir 8191 ok
chdir 8191 ok
getcwd 8191
mkdir 8192 File name too long
open 8192 File name too long
rename to 8192 File name too long" "$got"
fi
un_done
