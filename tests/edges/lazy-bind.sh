#!/bin/bash
# lazy-bind: a process that never calls a wrapper (a /bin/true run from a shell in a union) has the loader bind no libc function of the library's lazily (not even mmap: the constructor's arena is the library's own data; issue 13, every such binding is ~800 instructions of every exec); the first wrapper checks nextsym's walk against dlsym.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
need_no_sanitizer "the ASan runtime's own interceptors bind libc for the library"
command -v readelf >/dev/null || skip "readelf (binutils) is not installed"
[ "$(uname -m)" = x86_64 ] ||
	skip "the real functions are found at start elsewhere than x86-64 (real.c)"

mkdir -p "$T/u" "$T/l"
echo "from the lower" >"$T/l/f"
lowers_snapshot "$T/l"

# bindings CMD...: the symbols the loader binds for libunion while CMD
# runs in the union (LD_DEBUG=bindings, one name a line, sorted).
bindings() {
	(cd "$T" && LD_DEBUG=bindings LD_DEBUG_OUTPUT="$T/ld" \
		un_run "$T/m" "$T/u" "$T/l" -- "$@") >/dev/null
	cat "$T"/ld.* | grep -F "binding file $LIBUNION_SO " |
		sed -n "s/.*symbol \`\\([^']*\\)'.*/\\1/p" | sort -u
	rm -f "$T"/ld.*
}

# What the loader binds at load time whatever the process does (data and
# GOT entries): allowed.  Everything else is a function bound at its
# first call.
readelf -rW "$LIBUNION_SO" | awk '$3 == "R_X86_64_GLOB_DAT" { print $5 }' |
	sed 's/@.*//' | sort -u >"$T/eager"
bindings /bin/true >"$T/true"
late=$(comm -23 "$T/true" "$T/eager" | tr '\n' ' ')
expect_eq "libc functions bound in a process that never calls a wrapper" \
	"" "$late"

# The first wrapper checks the walk against dlsym (un_nextsym_check):
# dlsym is bound then, and the real stat is the one the walk found.
bindings cat "$T/m/f" >"$T/cat"
grep -qx dlsym "$T/cat" ||
	fail "the first wrapper did not check nextsym's walk against dlsym: $(tr '\n' ' ' <"$T/cat")"
expect_eq "cat through the union" "from the lower" \
	"$(cd "$T" && un_run "$T/m" "$T/u" "$T/l" -- cat "$T/m/f")"
lowers_check
un_done
