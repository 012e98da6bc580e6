#!/bin/bash
# exec-bss-file: libunion's writable segment lies wholly in its file (.bss too, preload/segment.ld), so that the loader maps no anonymous memory for it in every process (one mmap an exec, issue 13): a /bin/true run in a union makes as many anonymous maps as one run without the library; and what lives in .bss still starts zeroed and works (a shell's cwd, a redirection's descriptor in the first chunk of fdtab.c's table, a lower program run twice through the program memo).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
need_no_sanitizer "the sanitizer's runtime maps memory of its own"
command -v readelf >/dev/null || skip "readelf (binutils) is not installed"

# The writable segment: the loader maps anonymous memory for what lies
# past the page the file's bytes end in (vaddr + filesz).
read -r vaddr filesz memsz < <(readelf -lW "$LIBUNION_SO" |
	awk '$1 == "LOAD" && $7 ~ /W/ { print $3, $5, $6 }')
[ -n "${memsz:-}" ] || fail "no writable LOAD segment in $LIBUNION_SO"
fend=$(( vaddr + filesz ))
mend=$(( vaddr + memsz ))
last=$(( (fend + 4095) / 4096 * 4096 ))
if [ "$mend" -le "$last" ]; then
	echo "ok: the writable segment ends in its last file page ($(( mend - fend )) bytes past the file's)"
else
	fail ".bss reaches $(( mend - last )) bytes past the last file page (the loader maps it in every process): is preload/segment.ld still linked in?"
fi

mkdir -p "$T/u" "$T/l/d" "$T/l/bin"
echo "from the lower" >"$T/l/d/f"
cp /bin/true "$T/l/bin/prog"
lowers_snapshot "$T/l"

if command -v strace >/dev/null; then
	# anon [STRACE-OPTIONS] CMD...: the anonymous maps CMD makes.
	anon() {
		strace -f -qq -e trace=mmap -o "$T/st" "$@" >/dev/null
		grep -c MAP_ANONYMOUS "$T/st" || true
	}
	plain=$(cd "$T" && anon /bin/true)
	under=$(cd "$T/l/d" && anon -E UNION_LAYERS="$(un_spec "$T/m" \
		"$T/u" "$T/l")" -E LD_PRELOAD="$LIBUNION" /bin/true)
	expect_eq "anonymous maps of /bin/true in a union, without and with the library" \
		"$plain" "$under"
else
	echo "SKIP: (part) strace is not installed: the maps are not counted"
fi

expect_eq "a shell's cwd, a redirection and a lower program in the union" "$T/m/d
from the lower
0 0" "$(cd "$T" && un_run "$T/m" "$T/u" "$T/l" -- \
	bash -c 'cd "$1/d" && pwd -P && exec 3<f && cat <&3; ../bin/prog >/dev/null; a=$?; ../bin/prog; echo $a $?' sh "$T/m")"
lowers_check
un_done
