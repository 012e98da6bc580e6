#!/bin/bash
# syscall-raw-lower: every path-taking system call made through libc's syscall() (open, openat, openat2, creat, the stat family, statx, access, faccessat2, readlink, mkdir, mknod, rmdir, unlink, link, symlink, rename, renameat2, truncate, chmod, fchmodat2, fchmod, chown, utimensat, utimes, utime, the xattr calls, getdents64, getdents, chdir, getcwd, execve, execveat) over lower files, as through the named functions.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog rawsys

setup() { make_small_tree "$1"; }

action() {
	local R='"$TESTPROG/rawsys"'
	# Reads: the merged view, never a layer's.
	step "$R"' stat "$M/f1" -- stat "$M/both" -- lstat "$M/link-f1" -- fstat "$M/f2" -- fstatat "$M/link-f1" nofollow -- fstatat "$M/d" -- statx "$M/d/x2" -- statx "$M/link-d" nofollow -- stat "$M/nope" -- mtime "$M/f2"'
	step "$R"' access "$M/ro" w -- access "$M/f2" r -- faccessat "$M/exe" x -- faccessat2 "$M/ro" w eaccess -- faccessat2 "$M/link-f1" f nofollow -- access "$M/nope" f'
	step "$R"' readlink "$M/link-f1" -- readlinkat "$M/abslink-f2" -- readlink "$M/f1" -- read "$M/both" -- read "$M/link-d/x2" -- open "$M/d" rdonly,directory -- openat "$M/f2" rdonly -- openat2 "$M/d/x1" rdonly 0 0 -- openat2 "$M/nope" rdonly 0 0 -- statfs "$M/d"'
	step "$R"' getdents64 "$M" 4096 -- getdents64 "$M/d" 48 -- getdents "$M/d" 4096 -- getdents64 "$M/d2" 4096 -- getdents64 "$M/du" 4096'
	# Changes: copied up, recorded, never in a lower.
	step "$R"' write "$M/f1" "new f1" -- read "$M/f1" -- creat "$M/d/made" 0600 -- stat "$M/d/made" -- open "$M/f2" wronly,trunc -- stat "$M/f2" -- openat "$M/e1/n" creat,wronly,excl 0640 -- openat2 "$M/e2/n2" creat,wronly 0604 0 -- openat2 "$M/both" rdonly 0644 0 -- open "$M/both" creat,excl'
	step "$R"' mkdir "$M/nd" 0750 -- mkdirat "$M/d/sub/nd" 0700 -- mkdir "$M/d" 0755 -- mknod "$M/fifo" 0644 -- mknodat "$M/d/fifo2" 0600 -- stat "$M/nd" -- stat "$M/fifo"'
	step "$R"' unlink "$M/f2" -- unlink "$M/f2" -- unlinkat "$M/d/x1" -- unlinkat "$M/e2/n2" -- rmdir "$M/e2" -- unlinkat "$M/e1/n" -- unlinkat "$M/e1" removedir -- rmdir "$M/d2" -- getdents64 "$M" 4096 -- getdents64 "$M/d" 4096'
	step "$R"' link "$M/hl1" "$M/hl3" -- linkat "$M/sp ace" "$M/d/sp2" -- symlink f1 "$M/sl1" -- symlinkat ../both "$M/d/sl2" -- readlink "$M/d/sl2" -- read "$M/d/sl2" -- stat "$M/hl3" -- stat "$M/hl1"'
	step "$R"' rename "$M/both" "$M/both2" -- renameat "$M/d/x2" "$M/x2" -- renameat2 "$M/fu" "$M/x2" exchange -- renameat2 "$M/x2" "$M/hl2" noreplace -- rename "$M/d" "$M/dd" -- read "$M/x2" -- read "$M/fu"'
	step "$R"' truncate "$M/d/sub/y2" 3 -- read "$M/d/sub/y2" -- chmod "$M/hl2" 0600 -- fchmodat "$M/d/xu" 0640 -- fchmodat2 "$M/link-f1" 0600 nofollow -- fchmodat2 "$M/ro" 0640 -- fchmod "$M/exe" 0700 -- stat "$M/hl2" -- stat "$M/ro" -- stat "$M/exe" -- chmod "$M/nope" 0600'
	step 'if [ "$(id -u)" = 0 ]; then '"$R"' chown "$M/hl2" 5 6 -- lchown "$M/link-d" 7 8 -- fchownat "$M/d/sub" 9 9 -- fchown "$M/sp ace" 3 4 -- stat "$M/hl2" -- lstat "$M/link-d" -- stat "$M/d/sub" -- stat "$M/sp ace"; fi'
	step "$R"' utimensat "$M/f1" 1000000000 -- utimes "$M/d/sub/y2" 1100000000 -- utime "$M/link-f1" 1200000000 -- futimesat "$M/d2/deeper" 1300000000 -- utimensat "$M/link-d" 1400000000 nofollow -- mtime "$M/f1" -- mtime "$M/d/sub/y2" -- mtime "$M/link-d" -- mtime "$M/d2/deeper" -- utimes "$M/nope" 1'
	step "$R"' setxattr "$M/hl1" user.k v1 -- getxattr "$M/hl1" user.k -- listxattr "$M/hl1" -- lsetxattr "$M/d2/only2" user.j v2 -- lgetxattr "$M/d2/only2" user.j -- llistxattr "$M/d2/only2" -- removexattr "$M/hl1" user.k -- lremovexattr "$M/d2/only2" user.j -- getxattr "$M/hl1" user.k -- lsetxattr "$M/link-f1" user.no v'
	step "$R"' chdir "$M/d" sub -- chdir "$M/nope" x -- chdir "$M/f1" x'
	step "$R"' execve "$M/exe" -- execveat /bin/cat "$M/both2" "$M/d/sp2" -- execve "$M/nope"'
}

compare_kernel_union syscall-raw-lower setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union syscall-raw-lower-nobody setup action
un_done
