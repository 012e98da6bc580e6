#!/bin/bash
# fts-deep-lower-tree: rm -rf, chmod -R and chown -R (gnulib's fts)
# over a lower tree deeper than fts's ring of 4 parent descriptors.
# Below that depth fts climbs back by openat(fd, "..") and checks that
# the parent's st_dev/st_ino are still the ones it saw going down
# ("fts_read failed: No such file or directory" otherwise).  Its change
# copied each directory up: the kernel keeps a directory's st_ino across
# its copy-up (the lower origin's), libunion gives the upper copy's
# (found by tests/stress/progs.py --as-user, seeds 129 and 141: chmod -R
# and rm -rf of a tree holding a git repository's .git/logs/refs/heads).
# Fixed in session 16 (dirino16): a directory whose upper copy merges
# with a lower's answers its topmost lower copy's identity, in stat,
# fstat, statx (by path and by descriptor), d_ino of its parent's listing
# (readdir and getdents64), "." and "..".  The root keeps its upper's;
# a directory removed then made again (opaque) keeps its own.  Also
# find -delete, du, chown -R, and trees merged over two lowers, with
# modes 0555 and 0700 (root and nobody, who owns the lowers).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
need_cmd python3

# IDENT TOP: for each directory below $M/TOP, which layer's copy its
# identity is (upper, lower1, lower2, or own: none), and whether stat,
# fstat, statx by path and by descriptor, "." (readdir, getdents64) and
# its d_ino in its parent's listing agree; then the same for "..".
cat >"$T/ident.py" <<'PY'
import ctypes, os, sys
M = os.environ["M"]; L = os.environ["L"]
libc = ctypes.CDLL(None, use_errno=True)
libc.opendir.restype = ctypes.c_void_p
libc.opendir.argtypes = [ctypes.c_char_p]
libc.readdir64.restype = ctypes.c_void_p
libc.readdir64.argtypes = [ctypes.c_void_p]
libc.closedir.argtypes = [ctypes.c_void_p]
libc.statx.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int,
                       ctypes.c_uint, ctypes.c_void_p]
libc.syscall.restype = ctypes.c_long
roots = [("upper", L + "/upper")] + [
    (n, L + "/" + n) for n in sorted(os.listdir(L)) if n.startswith("lower")]

def who(rel, ino):
    out = []
    for n, r in roots:
        try:
            if os.lstat(os.path.join(r, rel) if rel else r).st_ino == ino:
                out.append(n)
        except OSError:
            pass
    return "+".join(out) or "own"

def statx_ino(dfd, path, flags):
    buf = ctypes.create_string_buffer(256)
    if libc.statx(dfd, path.encode(), flags, 0x7ff, buf) != 0:
        return None
    return int.from_bytes(buf.raw[32:40], "little")

def readdir_inos(path):
    d, out = libc.opendir(path.encode()), {}
    while d:
        e = libc.readdir64(d)
        if not e:
            libc.closedir(d)
            break
        out[ctypes.string_at(e + 19).decode()] = \
            ctypes.c_uint64.from_address(e).value
    return out

def getdents_inos(path):
    fd, out = os.open(path, os.O_RDONLY | os.O_DIRECTORY), {}
    buf = ctypes.create_string_buffer(65536)
    while True:
        n = libc.syscall(217, fd, buf, 65536)  # SYS_getdents64
        if n <= 0:
            break
        off = 0
        while off < n:
            rl = int.from_bytes(buf.raw[off + 16:off + 18], "little")
            name = buf.raw[off + 19:off + rl].split(b"\0")[0].decode()
            out[name] = int.from_bytes(buf.raw[off:off + 8], "little")
            off += rl
    os.close(fd)
    return out

for top in sys.argv[1:]:
    for dp, dns, fns in os.walk(os.path.join(M, top)):
        dns.sort()
        rel, up = os.path.relpath(dp, M), os.path.dirname(dp)
        fd = os.open(dp, os.O_RDONLY | os.O_DIRECTORY)
        got = [os.lstat(dp).st_ino, os.fstat(fd).st_ino,
               statx_ino(-100, dp, 0x100), statx_ino(fd, "", 0x1000)]
        os.close(fd)
        rd, gd = readdir_inos(dp), getdents_inos(dp)
        prd, pgd = readdir_inos(up), getdents_inos(up)
        b = os.path.basename(dp)
        got += [rd.get("."), gd.get("."), prd.get(b), pgd.get(b)]
        dots = [os.lstat(up).st_ino, rd.get(".."), gd.get("..")]
        print("%s: %s%s ..=%s%s" % (
            rel, who(rel, got[0]), "" if len(set(got)) == 1 else
            " DISAGREE stat fstat statx statx-fd . .-gd d_ino d_ino-gd: " +
            " ".join(who(rel, x) for x in got),
            who(os.path.dirname(rel), dots[0]), "" if len(set(dots)) == 1
            else " DISAGREE stat .. ..-gd: " +
            " ".join(who(os.path.dirname(rel), x) for x in dots)))
PY
chmod 644 "$T/ident.py"
export IDENT="$T/ident.py"

# (An expected failure against the kernel: the sanitizer pass's
# libunion side alone would pass it, an XPASS there.)
[ "${UN_UNION_ONLY:-0}" != 1 ] ||
	skip "an expected failure against the kernel: nothing to compare without it"

setup() {
	local p d top
	mkdir -p -m 755 "$1/upper"
	for top in rmme chm chw chown fdel dus ids; do
		p=$1/lower1/$top
		for d in a b c d e f g; do
			p=$p/$d
			mkd "$p" 755
			mkf "$p/x" 644 x
		done
	done
	# parts of the trees in the other lower: the directories merged
	for top in chm rmme ids; do
		mkd "$1/lower2/$top" 755
		mkd "$1/lower2/$top/a" 755
		mkf "$1/lower2/$top/a/y" 644 y
		mkd "$1/lower2/$top/a/b" 755
		mkd "$1/lower2/$top/a/b/only2" 755
		mkf "$1/lower2/$top/a/b/only2/z" 644 z
	done
	# modes: a 0555 and a 0700 directory deep in a lower tree
	mkd "$1/lower1/ids/a/b/c/ro" 555
	mkd "$1/lower1/ids/a/b/c/ro/in" 755
	mkf "$1/lower1/ids/a/b/c/ro/in/f" 644 f
	chmod 555 "$1/lower1/ids/a/b/c/ro"
	# (0700 only as root: the harness wants lowers nobody reads as the
	# kernel's mounter does, UN_NOBODY_LOWERS)
	if [ "${UN_AS:-root}" = root ]; then
		mkd "$1/lower1/ids/a/b/c/priv" 700
		mkd "$1/lower1/ids/a/b/c/priv/in" 755
		mkf "$1/lower1/ids/a/b/c/priv/in/f" 644 f
	fi
	# a directory of the upper that a lower holds too (merged, never
	# copied up) and one the upper alone holds
	mkd "$1/upper/ids" 755
	mkd "$1/upper/ids/a" 755
	mkd "$1/upper/ids/new" 755
	mkd "$1/upper/ids/new/sub" 755
}

action() {
	step 'python3 -B "$IDENT" ids'
	step 'rm -rf "$M/rmme"; echo rc=$?; ls -A "$M"'
	step 'chmod -R 700 "$M/chm"; echo rc=$?; find "$M/chm" -printf "%m %y %P\n" | sort -k3'
	step 'chmod -R u-w,go= "$M/chw"; echo rc=$?; find "$M/chw" -printf "%m %y %P\n" | sort -k3'
	step 'chown -R "$(id -u):$(id -g)" "$M/chown"; echo rc=$?; find "$M/chown" -printf "%m %y %P\n" | sort -k3'
	step 'find "$M/fdel/a/b" -delete; echo rc=$?; find "$M/fdel" | sort'
	step 'touch "$M/dus/a/b/c/d/e/f/g/x"; du -a "$M/dus" >/dev/null; echo rc=$?; du -a "$M/dus" | cut -f2 | sort'
	# deep copy-ups in the merged trees; a directory removed and made
	# again (opaque: its own identity); a directory made in a copied-up
	# one; the 0555 and 0700 ones copied up below
	step 'touch "$M/ids/a/b/c/d/e/f/g/x" "$M/ids/a/b/only2/z" "$M/ids/a/b/c/ro/in/f"; echo rc=$?'
	step '[ ! -d "$M/ids/a/b/c/priv" ] || touch "$M/ids/a/b/c/priv/in/f"; echo rc=$?'
	step 'rm -rf "$M/ids/a/b/c/d/e"; mkdir "$M/ids/a/b/c/d/e" "$M/ids/a/b/c/d/e/n" "$M/ids/a/b/c/d/mk"; echo rc=$?'
	step 'python3 -B "$IDENT" ids'
	step 'cd "$M/ids/a/b/c/d/e/n" && rm -rf "$M/ids/a/b"; echo rc=$?; ls -A "$M/ids"'
}

compare_kernel_union fts-deep-lower-tree setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union fts-deep-lower-tree-nobody setup action
un_done
