#!/bin/bash
# removed-cwd-cd-up: a cwd or a directory descriptor whose directory was removed (rmdir, rm -r, rm -r then mkdir of the same name): names and creations in it ENOENT, `..` leads to its merged parent, bash and dash can `cd ..` and go on (ls, rm of a lower name records a whiteout), never a layer's real directory.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
need_cmd dash

setup() {
	make_small_tree "$1"
	mkf "$1/lower1/m/s/in-s" 644 "in m/s"
	mkf "$1/upper/m/u" 644 "m/u, upper"
	mkf "$1/lower2/lo/ls/l" 644 "lo/ls/l, lower2 only"
}

action() {
	# An upper-only directory, then bash's `cd ..` (a chdir of $PWD/..,
	# which fails, then of "..").
	step 'mkdir "$M/e"; cd "$M/e"; rmdir "$M/e"; ls -A; touch x; mkdir y; cd ..; pwd; /bin/pwd; ls -A; rm f1; ls -A'
	# A merged directory, removed with rm -rf from inside, then dash.
	step 'cd "$M/d"; dash -c '\''rm -rf "$M/d"; ls -A; cd ..; pwd; ls -A; rm f2; ls -A; cd d'\'''
	# A lower-only directory with bash's physical cd.
	step 'cd "$M/lo/ls"; rm -r "$M/lo"; ls; cd -P ..; echo "cd -P .. $?"; cd -P ..; pwd -P; ls; rm exe; ls'
	# rm -r then mkdir of the same names: the old cwd stays dead, its
	# `..` the dead one, then the live root.
	step 'cd "$M/m/s"; rm -r "$M/m"; mkdir -p "$M/m/s"; touch "$M/m/s/new"; ls -A; cat in-s; cd -P ..; ls -A; cd -P ..; pwd -P; ls -d m/s/*'
	# A child started in a removed directory.
	step 'cd "$M/du"; rm -r "$M/du"; sh -c "ls; cd ..; pwd; ls -d fu"; env -i /bin/sh -c "cd .. && /bin/pwd"'
	# Descriptors: names, creations, .., fstat, rename of ".".
	stepx <<'PY'
PYTHONPATH="$TOP_SRCDIR/tests/prog" "$PYTHON" -B - "$M" <<'EOF2'
import os, sys
M = sys.argv[1]
from pystep import t
os.mkdir(M + "/p")
os.mkdir(M + "/p/q")
fd = os.open(M + "/p/q", os.O_RDONLY | os.O_DIRECTORY)
fd2 = os.open(M + "/d2/deeper", os.O_RDONLY | os.O_DIRECTORY)
os.rmdir(M + "/p/q")
os.rename(M + "/p", M + "/p2")
t("fstat", lambda: os.fstat(fd).st_nlink)
t("stat ..", lambda: os.path.samestat(os.stat("..", dir_fd=fd), os.stat(M + "/p2")))
t("stat ../..", lambda: sorted(os.listdir(os.open("../..", os.O_RDONLY, dir_fd=fd)))[:3])
t("stat x", lambda: os.stat("x", dir_fd=fd))
t("mkdir x", lambda: os.mkdir("x", dir_fd=fd))
t("open creat", lambda: os.open("x", os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=fd))
t("mkdir ../x", lambda: os.mkdir("../x", dir_fd=fd))
t("rename .", lambda: os.rename(".", "../zz", src_dir_fd=fd, dst_dir_fd=fd))
t("rename ./", lambda: os.rename("./", M + "/zz", src_dir_fd=fd))
t("listdir", lambda: os.listdir(fd))
os.system('rm -r "$M/d2"')
t("d2 ..", lambda: os.stat("../..", dir_fd=fd2).st_mode & 0o170000)
t("d2 ../../f1", lambda: os.stat("../../f1", dir_fd=fd2).st_size)
t("d2 ../x", lambda: os.stat("../x", dir_fd=fd2))
os.fchdir(fd2)
t("getcwd", os.getcwd)
t("chdir ../..", lambda: os.chdir("../.."))
t("getcwd", os.getcwd)
t("unlink exe", lambda: os.unlink("exe"))
EOF2
ls -A "$M" "$M/p2"
PY
}

check() { check_whiteout "$1" "$2" f1 f2 exe; }

UN_MERGED_ABSENT=1 compare_kernel_union removed-cwd-cd-up setup action check
compare_kernel_union removed-cwd-cd-up-present setup action check
UN_INPLACE=1 compare_kernel_union removed-cwd-cd-up-inplace setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 UN_MERGED_ABSENT=1 \
	compare_kernel_union removed-cwd-cd-up-nobody setup action check
UN_AS=nobody UN_NOBODY_LOWERS=1 UN_INPLACE=1 \
	compare_kernel_union removed-cwd-cd-up-nobody-inplace setup action check
un_done
