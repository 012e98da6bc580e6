#!/bin/bash
# open-tmpfile-lower-dir: O_TMPFILE in lower-only, merged and upper directories: an unnamed file, nothing visible; on files ENOTDIR, on absent names ENOENT; linked in by linkat.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

tmpf='import ctypes, errno, os, sys
d, name = sys.argv[1], sys.argv[2]
try:
    fd = os.open(d, os.O_TMPFILE | os.O_WRONLY, 0o640)
except OSError as e:
    print("O_TMPFILE", d.rsplit("/", 1)[1], e.strerror); sys.exit(0)
os.write(fd, b"from a tmpfile\n")
print("O_TMPFILE", d.rsplit("/", 1)[1], "ok")
# linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH): the file gets its name.
libc = ctypes.CDLL(None, use_errno=True)
r = libc.linkat(fd, b"", -100, os.path.join(d, name).encode(), 0x1000)
print("linkat", name, "ok" if r == 0 else errno.errorcode[ctypes.get_errno()])'
export tmpf

action() {
	step '"$TESTPROG/sysop" open "$M/d2" wronly,tmpfile -- open "$M/d" rdwr,tmpfile -- open "$M/du" wronly,tmpfile -- open "$M/e1" rdwr,tmpfile -- open "$M/f1" wronly,tmpfile -- open "$M/nope" wronly,tmpfile -- open "$M/d2" rdonly,tmpfile'
	step 'names "$M/d2"; names "$M/e1"; names "$M/du"'
	step '"$PYTHON" -c "$tmpf" "$M/d2/deeper" made; show "$M/d2/deeper/made"; names "$M/d2/deeper"'
	step '"$PYTHON" -c "$tmpf" "$M/du" made-u; show "$M/du/made-u"'
}

compare_kernel_union open-tmpfile-lower-dir setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union open-tmpfile-lower-dir-nobody setup action
un_done
