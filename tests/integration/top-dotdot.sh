#!/bin/bash
# top-dotdot: a change whose last component is '..' or '.' at the top of MERGED (by path, from a cwd, through a descriptor of MERGED) keeps the kernel's meaning of that component: rmdir ENOTEMPTY/EINVAL, unlink EISDIR, rename EBUSY (EXDEV to a name outside), creation EEXIST; never the real directory that holds MERGED (in place: the lower's parent).  chmod and friends of "$M/.." reach the directory the kernel reaches.  Default, in-place and absent MERGED, as root and as nobody owning the lowers.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_prog sysop
need_cmd setpriv

setup() { make_small_tree "$1"; }

# (A wrong answer here must not harm the harness: every rename's other
# name lies inside the directory '..' names, so a library that moved it
# would get EINVAL, not move $T.)
action() {
	step '"$TESTPROG/sysop" rmdir "$M/.." -- rmdir "$M/../" -- rmdir "$M/." -- rmdir "$M/./" -- rmdir "$M/d/.." -- rmdir "$M/du/.." -- rmdir "$M/nope/.." -- rmdir "$M/f1/.."'
	step '"$TESTPROG/sysop" unlink "$M/.." -- unlink "$M/." -- unlink "$M/../" -- unlink "$M/d/.."'
	step '"$TESTPROG/sysop" rename "$M/.." "$M/x" -- rename "$M/f1" "$M/.." -- rename "$M/." "$M/x" -- rename "$M/f1" "$M/." -- rename "$M/.." "$M/../moved" -- rename "$M/f1" "$M/../f1" -- rename "$M/.." "$M/d/.." -- rename "$M/d/.." "$M/.." -- rename "$M/.." "$M"'
	step '"$TESTPROG/sysop" renameat2 "$M/f1" "$M/.." noreplace -- renameat2 "$M/.." "$M/x" noreplace -- renameat2 "$M/.." "$M/d" exchange -- renameat2 "$M/d" "$M/.." exchange'
	step '"$TESTPROG/sysop" mkdir "$M/.." 755 -- mkdir "$M/." 755 -- mkfifo "$M/.." 644 -- symlink x "$M/.." -- link "$M/f1" "$M/.." -- link "$M/.." "$M/l" -- link "$M/nope" "$M/.." -- open "$M/.." creat,wronly 644'
	step 'cd "$M" && "$TESTPROG/sysop" rmdir .. -- rmdir . -- unlink .. -- rename .. x -- rename f1 .. -- rename .. ../moved2 -- mkdir .. 755 -- symlink x .. -- link f1 .. -- rmdir ../. && pwd'
	step 'cd "$M/d" && "$TESTPROG/sysop" rmdir ../.. -- unlink ../.. -- rename ../.. x -- rename x ../.. -- mkdir ../.. 700'
	step '"$PYTHON" "$TESTPROG/callc.py" unlinkat "dir:$M" .. 512 -- unlinkat "dir:$M" .. 0 -- unlinkat "dir:$M" . 512 -- renameat "dir:$M" .. "dir:$M" x -- renameat "dir:$M" f1 "dir:$M" .. -- renameat "dir:$M" .. AT_FDCWD "$M/../m3" -- mkdirat "dir:$M" .. 0755 -- symlinkat x "dir:$M" .. -- linkat "dir:$M" f1 "dir:$M" .. 0 -- mknodat "dir:$M" .. 0010644 0'
	# Calls that do not name the last component itself reach the
	# directory "$M/.." resolves to, as on the kernel's mount.
	step '"$TESTPROG/sysop" chmod "$M/.." 755 -- chown "$M/.." 0 0 -- stat "$M/.." -- access "$M/.." w -- truncate "$M/.." 0 -- setxattr "$M/.." user.top y -- removexattr "$M/.." user.top -- open "$M/.." wronly'
	step 'names "$M"; names "$M/d"; ls -d "$M/.." >/dev/null && echo parent-there'
}

compare_kernel_union top-dotdot setup action
UN_INPLACE=1 compare_kernel_union top-dotdot-inplace setup action
UN_MERGED_ABSENT=1 compare_kernel_union top-dotdot-absent setup action
# A read-only union: '.' and '..' are refused by their kind before EROFS.
UN_NO_UPPER=1 compare_kernel_union top-dotdot-readonly setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union top-dotdot-nobody setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 UN_INPLACE=1 \
	compare_kernel_union top-dotdot-nobody-inplace setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 UN_MERGED_ABSENT=1 \
	compare_kernel_union top-dotdot-nobody-absent setup action

# The directory that holds a MERGED absent on disk, empty otherwise: the
# kernel's answer would be that of a mount point's parent (ENOTEMPTY,
# EBUSY); it must never be removed or moved.
need_lib || un_done
mkdir -p "$T/solo/l" "$T/solo/u" "$T/holder"
got=$(un_run "$T/holder/m" "$T/solo/u" "$T/solo/l" -- "$TESTPROG/sysop" \
	rmdir "$T/holder/m/.." -- rename "$T/holder/m/.." "$T/holder/m/x" -- \
	rmdir "$T/holder/m/../" -- unlink "$T/holder/m/.." -- mkdir "$T/holder/m/.." 755 2>&1 |
	sed "s#$T#T#g")
expect_eq "the empty directory holding an absent MERGED stays" \
"rmdir T/holder/m/..: ENOTEMPTY
rename T/holder/m/.. T/holder/m/x: EBUSY
rmdir T/holder/m/../: ENOTEMPTY
unlink T/holder/m/..: EISDIR
mkdir T/holder/m/.. 755: EEXIST" "$got"
expect_true "T/holder still exists" test -d "$T/holder"
un_done
