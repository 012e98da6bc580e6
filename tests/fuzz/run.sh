#!/bin/bash
# Build the fuzz targets with clang's libFuzzer (and ASan+UBSan) and run
# each for a bounded time.  Usage:
#
#   bash tests/fuzz/run.sh [--time SECS] [--seed N] [--keep DIR] [TARGET...]
#
# TARGET is config, whiteout or namei (default: all three); SECS each
# (default 60).  --seed fixes libFuzzer's random seed (CI: the same
# mutations on every run, so that a red CI is never a fresh roll of the
# dice; a local run without it explores new ground each time).  Each run starts from the committed seeds in
# tests/fuzz/corpus/TARGET (not modified: the grown corpus stays in the
# work directory, kept with --keep).  A crash, a hang (over 10 s for
# one input), a leak or a misreading stops the target, keeps its input
# as DIR/TARGET-crash-* and makes the script exit 1: copy that input to
# tests/fuzz/regress/TARGET/ (named for what it found) so that make check
# replays it.  Exit 77 when clang or libFuzzer is missing.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=60
seed=0
keep=
targets=()
while [ $# -gt 0 ]; do
	case $1 in
	--time) secs=$2; shift 2 ;;
	--keep) keep=$2; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	-h|--help) sed -n '2,19p' "$0"; exit 0 ;;
	*) targets+=("$1"); shift ;;
	esac
done
[ ${#targets[@]} -gt 0 ] || targets=(config whiteout namei)

CC=${FUZZ_CC:-clang}
if ! command -v "$CC" >/dev/null; then
	echo "SKIP: $CC not found (Debian: apt-get install clang)" >&2
	exit 77
fi
flags=(-g -O1 -fsanitize=address,undefined
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer
	-D_GNU_SOURCE -U_FORTIFY_SOURCE -pthread -Wall -Wextra -Werror
	-I"$top/include" -I"$top/preload")
if ! echo 'int LLVMFuzzerTestOneInput(const char *d, long n)
{ (void)d; (void)n; return 0; }' | "$CC" -x c -fsanitize=fuzzer -o /dev/null - \
	2>/dev/null; then
	echo "SKIP: $CC cannot link libFuzzer (Debian: libclang-rt-dev)" >&2
	exit 77
fi

work=${keep:-$(mktemp -d)}
mkdir -p "$work"
[ -n "$keep" ] || trap 'rm -rf "$work"' EXIT

# The rooms once, instrumented for coverage; each target links them.
echo "== building the rooms with $CC"
mkdir -p "$work/obj"
for c in "$top"/preload/*.c "$top"/include/*.c; do
	"$CC" "${flags[@]}" -fsanitize=fuzzer-no-link -c "$c" \
		-o "$work/obj/$(basename "$c" .c).o" || exit 1
done

declare -A max_len=([config]=512 [whiteout]=1024 [namei]=512)
status=0
for t in "${targets[@]}"; do
	src=$top/tests/fuzz/fuzz_$t.c
	if [ ! -f "$src" ]; then
		echo "no fuzz target '$t'" >&2
		exit 2
	fi
	echo "== fuzz_$t: building"
	if ! "$CC" "${flags[@]}" -fsanitize=fuzzer "$work"/obj/*.o "$src" \
		-ldl -o "$work/fuzz_$t"; then
		echo "FAIL: fuzz_$t does not build"
		status=1
		continue
	fi
	mkdir -p "$work/corpus-$t"
	cp "$top/tests/fuzz/corpus/$t"/* "$work/corpus-$t/" 2>/dev/null
	regress=()
	[ -d "$top/tests/fuzz/regress/$t" ] &&
		regress=("$top/tests/fuzz/regress/$t")
	echo "== fuzz_$t: $secs s"
	if (cd "$work" && ASAN_OPTIONS=detect_leaks=1 ./"fuzz_$t" \
		-max_total_time="$secs" -seed="$seed" -timeout=10 \
		-rss_limit_mb=2048 \
		-max_len="${max_len[$t]}" -print_final_stats=1 \
		-artifact_prefix="$work/$t-" \
		"$work/corpus-$t" "${regress[@]}") >"$work/$t.log" 2>&1; then
		grep -E '^stat::number_of_executed_units|^Done' "$work/$t.log" |
			sed "s/^/fuzz_$t: /"
		echo "PASS: fuzz_$t"
	else
		grep -v '^    #[0-9]' "$work/$t.log" | grep -B2 -A30 \
			-E 'check failed|ERROR|SUMMARY|deadly|timeout' | head -60
		ls "$work/$t-"* 2>/dev/null
		echo "FAIL: fuzz_$t (copy the input above into" \
			"tests/fuzz/regress/$t/ and replay it with" \
			"tests/fuzz/replay_$t FILE)"
		[ -n "$keep" ] || { trap - EXIT; echo "kept $work"; }
		status=1
	fi
done
exit $status
