#!/bin/bash
# read-stat: stat, lstat and fstat of every kind of name; the numbers that must agree do.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_rich_tree "$1"; }

action() {
	step 'cd "$M" && for p in * dir/* dir/sub/* shape2/*; do st "$p"; done'
	step 'cd "$M" && stat -L -c "%n %F %a %s" rel-link abs-link abs-dirlink dirlink chain-link dir/up-link u-link'
	step 'stat -c "%n %F" "$M/loop-a"; stat -L "$M/loop-a"; stat "$M/dangling/"'
	step 'stat -c "%n %h" "$M" "$M/dir" "$M/dir/sub" "$M/emptydir" "$M/shape2" "$M/deep/a/b/c" "$M/bin"'
	step 'stat "$M/nope"; stat "$M/common.txt/x"; stat -c %F "$M/common.txt/"'
	# stat, fstat (stat -) and a relative stat from the parent give one
	# object; numbers are printed only when they disagree.
	stepx <<'SH'
cd "$M" && for p in *.txt dir dir/* dir/sub/* hl-a hl-b shape1 shape2 bin/*; do
	a=$(stat -L -c %d:%i:%s "$p")
	b=$(stat -L -c %d:%i:%s - <"$p")
	c=$(cd "$(dirname "$p")" && stat -L -c %d:%i:%s "$(basename "$p")")
	if [ "$a" = "$b" ] && [ "$a" = "$c" ]; then echo "$p: one object"
	else echo "$p: DIFFER stat=$a fstat=$b relative=$c"; fi
done
SH
	stepx <<'SH'
[ "$(stat -c %d:%i "$M/hl-a")" = "$(stat -c %d:%i "$M/hl-b")" ] && echo "hard links: same inode" || echo "hard links: different inodes"
[ "$(stat -c %d:%i "$M/dir")" = "$(stat -c %d:%i "$M/dirlink/")" ] && echo "dirlink/: the directory" || echo "dirlink/: another object"
[ "$(stat -c %d:%i "$M/dir/sub")" = "$(stat -c %d:%i "$M/dir/sub/..")" ] && echo "sub/..: WRONG" || echo "sub/..: not sub"
[ "$(stat -c %d:%i "$M/dir")" = "$(stat -c %d:%i "$M/dir/sub/..")" ] && echo "sub/..: dir" || echo "sub/..: NOT dir"
SH
	stepx <<'SH'
cd "$M" && for p in common.txt ro.txt secret.txt only2.sh dir private emptydir dangling nope; do
	printf '%s %s%s%s%s\n' "$p" "$(test -e "$p" && echo e || echo -)" "$(test -r "$p" && echo r || echo -)" \
		"$(test -w "$p" && echo w || echo -)" "$(test -x "$p" && echo x || echo -)"
done
SH
}

compare_kernel_union read-stat setup action
un_done
