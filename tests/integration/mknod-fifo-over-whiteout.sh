#!/bin/bash
# mknod-fifo-over-whiteout: mknod and mkfifo where lower names were deleted (files, a directory): a fifo or file shows, nothing of the old; a device as root, EPERM otherwise; EEXIST.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

# calls sysop does not make, through libc with ctypes (tests/prog/callc.py)
cp "$TOP_SRCDIR/tests/prog/callc.py" "$T/callc.py"

setup() { make_small_tree "$1"; }

# 010600 is S_IFIFO|0600, 0100640 S_IFREG|0640, 020644 S_IFCHR|0644 (dev 259 = 1:3).
action() {
	step 'rm "$M/f1"; mkfifo -m 600 "$M/f1"; st "$M/f1"; names "$M"'
	step 'rm -r "$M/e1"; "$PYTHON" "$T/callc.py" mknod "$M/e1" 010600 0; st "$M/e1"; ls -d "$M/e1/" 2>&1 | sed "s/^ls: //"'
	step 'rm "$M/both"; "$PYTHON" "$T/callc.py" mknod "$M/both" 0100640 0 -- mknod "$M/d/x2" 010644 0 -- mknod "$M/newnull" 020644 259 -- mknod "$M/nodir/x" 010644 0; st "$M/both" "$M/d/x2"; cat "$M/both"; echo end'
	step 'stat -c "%n %F %a %t:%T" "$M/newnull" 2>&1 | sed "s/^stat: //"; rm "$M/d/x2"; "$PYTHON" "$T/callc.py" mknod "$M/d/x2" 010644 0; st "$M/d/x2"'
	step '(echo through the fifo > "$M/f1" &); cat "$M/f1"; rm "$M/f1" "$M/e1"; names "$M"'
}

compare_kernel_union mknod-fifo-over-whiteout setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union mknod-fifo-over-whiteout-nobody setup action
un_done
