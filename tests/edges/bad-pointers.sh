#!/bin/bash
# bad-pointers: every wrapped call that takes a path (or an xattr name, a socket address, a buffer to fill), given NULL, (char *)1, an unmapped page, a page unmapped after a good path was read from it, and a string running into an unmapped page: libunion answers what the same program gets without it (the kernel's EFAULT, or glibc's own answer), never a crash where that did not crash.  From a cwd and a descriptor in MERGED (absent on disk, and in place over the lower), as root and as nobody.  The calls tried must cover every row of preload/syms.def that takes a string.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

# ASan is first in LD_PRELOAD there, and its own interceptors (fopen,
# stat...) read the path before the library sees it: a bad pointer
# crashes inside the ASan runtime, as it would without libunion.
need_no_sanitizer "bad pointers: ASan's interceptors read the path before the library"
need_edgeprog badptrs
need_lib || un_done

# Coverage: a row of syms.def whose parameters hold a string the call
# reads (commands of system and popen aside: not paths) is tried under
# its own name, or under NAME_something (one of several arguments).
covered=$("$EDGEPROG/badptrs" --list)
rows=$(grep -E '^UN_[A-Z_]+\(' "$TOP_SRCDIR/preload/syms.def" |
	grep -E 'const char \*|char \*tmpl|char \*const \*paths|sockaddr' |
	sed -E 's/^UN_[A-Z_]+\([^,]+, *([A-Za-z0-9_]+),.*/\1/' |
	grep -vxE 'system|popen')
missing=
for r in $rows; do
	printf '%s\n' "$covered" | grep -qE "^$r(_.*)?\$" || missing="$missing $r"
done
expect_eq "every string-taking row of syms.def is tried" "" "${missing# }"

# The reference: the program without the library, in a real directory
# (as nobody: one of nobody's, as the lowers count as theirs in a union).
mkdir -p "$T/real/d" "$T/realn/d" "$T/l/d" "$T/u" "$T/in/l1/d" "$T/in/u"
echo x >"$T/real/f"
echo x >"$T/realn/f"
echo x >"$T/l/f"
echo x >"$T/in/l1/f"
chown -R 65534:65534 "$T/realn" "$T/u" "$T/in/u"
(cd "$T/real" && "$EDGEPROG/badptrs") >"$T/native.out" 2>&1
(cd "$T/realn" && as_nobody "$EDGEPROG/badptrs") >"$T/native-nobody.out" 2>&1

# Per line: the same answer; where glibc itself crashed (a libc walker
# reading NULL), libunion may fail with an errno instead, or crash too.
compare() {
	local what=$1 ref=$2 out=$3
	local bad
	bad=$(paste -d'|' "$ref" "$out" |
		awk -F'|' '$1 != $2 && !($1 ~ /: crashed$/ && $2 !~ /: ok$/)')
	expect_eq "$what: the answers of the kernel (and glibc)" "" "$bad"
	[ "$(wc -l <"$out")" = "$(wc -l <"$ref")" ] ||
		fail "$what: $(wc -l <"$out") lines, $(wc -l <"$ref") expected"
}

lowers_snapshot "$T/l" "$T/in/l1"
un_run "$T/m" "$T/u" "$T/l" -- sh -c 'cd "$1" && exec "$2"' sh "$T/m" \
	"$EDGEPROG/badptrs" >"$T/union.out" 2>&1 || true
compare "root, MERGED absent on disk" "$T/native.out" "$T/union.out"
un_run "$T/m" "$T/u" "$T/l" -- setpriv --reuid=65534 --regid=65534 \
	--clear-groups -- sh -c 'cd "$1" && exec "$2"' sh "$T/m" \
	"$EDGEPROG/badptrs" >"$T/union-nobody.out" 2>&1 || true
compare "nobody, MERGED absent on disk" "$T/native-nobody.out" \
	"$T/union-nobody.out"
un_run "$T/in/l1" "$T/in/u" "$T/in/l1" -- sh -c 'cd "$1" && exec "$2"' sh \
	"$T/in/l1" "$EDGEPROG/badptrs" >"$T/union-inplace.out" 2>&1 || true
compare "root, in place" "$T/native.out" "$T/union-inplace.out"
lowers_check
un_done
