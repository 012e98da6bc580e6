#!/bin/bash
# preload-relative: LD_PRELOAD naming the library by a relative path
# (LD_PRELOAD=preload/.libs/libunion.so, as a developer runs it).  The
# loader keeps that name as given; the library took only an absolute one
# as its own and left its own path NULL, which the exec of every child
# then read (exec.c preload_has_self): every program a shell, python or
# strace started crashed with SIGSEGV before its exec.  Now the name is
# made whole from the cwd at start, so a child runs under the library,
# from another cwd too, and writes into the union reach the upper; the
# children's LD_PRELOAD names it by the whole path alone.  As root and,
# as root, again as nobody, who owns the layers.  And a getcwd that
# fails there (strace's fault injection) leaves the program's errno as
# it was (nextsym.c self_whole).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
rel="${UN_PRELOAD_FIRST:+$UN_PRELOAD_FIRST }lib/libunion.so"

# One pass: layers under $T/$1 owned by uid $2, the shells started by
# the rest of the arguments (setpriv for the pass as nobody).
one_pass() {
	local name=$1 d=$T/$1 owner=$2 layers out rc
	shift 2
	mkdir -p "$d/u" "$d/l/d" "$d/lib"
	echo "from the lower" >"$d/l/d/f"
	cp "$LIBUNION_SO" "$d/lib/libunion.so"
	chown -R "$owner:$owner" "$d"
	lowers_snapshot "$d/l"
	layers=$(un_spec "$d/m" "$d/u" "$d/l")

	rc=0
	out=$(cd "$d" && UNION_LAYERS="$layers" LD_PRELOAD="$rel" \
		bounded 30 "$@" bash -c '/bin/true && echo child ok' 2>&1) ||
		rc=$?
	expect_eq "a child of a shell started with a relative LD_PRELOAD ($name)" \
		"child ok/0" "$out/$rc"
	rc=0
	out=$(cd "$d" && UNION_LAYERS="$layers" LD_PRELOAD="$rel" \
		bounded 30 "$@" bash -c \
		'cd / && sh -c "echo new >$1/d/g && cat $1/d/f"' \
		sh "$d/m" 2>"$d/err") || rc=$?
	expect_eq "a child started from another cwd reads the union ($name)" \
		"from the lower/0" "$out/$rc"
	# Its LD_PRELOAD holds the whole path, not the relative one as well
	# (from another cwd the loader would print "cannot be preloaded").
	expect_eq "what the loader said ($name)" "" "$(cat "$d/err")"
	expect_eq "and its write went to the upper ($name)" "new" \
		"$(cat "$d/u/d/g" 2>&1)"
	[ ! -e "$d/m/d/g" ] || fail "the write reached the real $d/m ($name)"
	lowers_check
}

chmod 755 "$T"
one_pass self "$(id -u)"
if is_root; then
	one_pass nobody 65534 setpriv --reuid=65534 --regid=65534 \
		--clear-groups --
fi

# errno at main() after the library's start, every getcwd after the
# loader's own (the first) failing with ENOENT: 0, as natively.  (Not
# under a sanitizer: its runtime, preloaded first, calls getcwd too.)
if [ -n "${UN_PRELOAD_FIRST:-}" ]; then
	echo "note: sanitizer build: errno at main not checked"
elif ! command -v strace >/dev/null; then
	echo "note: strace is not installed: errno at main not checked"
elif ! cc_build errno-at-main errno-at-main.c; then
	echo "note: cannot build errno-at-main.c: errno at main not checked"
else
	d=$T/self
	expect_eq "errno at main, natively" "errno 0" \
		"$(cd "$d" && "$T/errno-at-main" 2>&1)"
	rc=0
	out=$(cd "$d" && UNION_LAYERS=$(un_spec "$d/m" "$d/u" "$d/l") \
		bounded 30 strace -qq -o "$T/getcwd.trace" -e trace=getcwd \
		-e inject=getcwd:error=ENOENT:when=2+ \
		env LD_PRELOAD="$rel" "$T/errno-at-main" 2>&1) || rc=$?
	expect_eq "errno at main, the library's getcwd failing" \
		"errno 0/0" "$out/$rc"
	grep -q 'getcwd(.*INJECTED' "$T/getcwd.trace" ||
		fail "no getcwd failed: the check checked nothing: $(cat "$T/getcwd.trace")"
fi
un_done
