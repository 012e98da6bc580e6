#!/bin/bash
# dir-mtime-after-unlink: the mtime and ctime of a directory after names in it are deleted, made or renamed through the view (lower-only, merged and the merged root): updated as the kernel does.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop

setup() { make_small_tree "$1"; }

# changed PATH...: whether the mtime and ctime of each PATH moved from the fixed time.
changed='for p; do m=$(stat -c %Y "$p"); c=$(stat -c %Z "$p"); [ "$m" -gt 1600000000 ] && mm=new || mm=old; [ "$c" -gt 1600000000 ] && cc=new || cc=old; echo "${p#"$M"}: mtime $mm, ctime $cc"; done'
export changed

action() {
	step 'bash -c "$changed" - "$M/d2" "$M/d" "$M/e1" "$M/du"'
	step 'rm "$M/d2/only2"; bash -c "$changed" - "$M/d2" "$M/d2/deeper"'
	step 'rm "$M/d/x2"; bash -c "$changed" - "$M/d" "$M/d/sub"'
	step 'touch "$M/e1/new"; bash -c "$changed" - "$M/e1"; mv "$M/d2/deeper/z" "$M/e2/z"; bash -c "$changed" - "$M/d2/deeper" "$M/e2"'
	step 'rm "$M/f1"; bash -c "$changed" - "$M" "$M/du"; rm "$M/du/in-du"; bash -c "$changed" - "$M/du"'
}

compare_kernel_union dir-mtime-after-unlink setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union dir-mtime-after-unlink-nobody setup action
un_done
