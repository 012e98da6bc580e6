#!/bin/bash
# env-children: children started with a cleared or rebuilt environment (env -i, clearenv, unsetenv, own envp) still run in the union, and LD_PRELOAD keeps the user's other libraries.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
need_edgeprog execs
cc_build libmarker.so marker-lib.c -shared -fPIC ||
	skip "cannot build a shared library with $EDGES_CC"
MARK=$T/libmarker.so

D=$T/d
M=$T/m
mkdir -p "$D/upper" "$D/lower"
echo "only in the union" >"$D/lower/secret"
lowers_snapshot "$D/lower"
SPEC=$(un_spec "$M" "$D/upper" "$D/lower")
WANT="only in the union"

# child WHAT CMD...: CMD runs under the union with $LD (default: libunion
# alone) as LD_PRELOAD; its output must be $WANT.
child() {
	local what=$1 out rc=0
	shift
	out=$(bounded 30 env UNION_LAYERS="$SPEC" LD_PRELOAD="${LD:-$LIBUNION}" "$@" 2>&1) || rc=$?
	expect_eq "$what" "$WANT/0" "$out/$rc"
}

child "env -i cat" env -i /bin/cat "$M/secret"
child "env -i sh -c cat" env -i /bin/sh -c "cat '$M/secret'"
child "env -i, then a PATH search (execvp)" env -i PATH=/usr/bin:/bin cat "$M/secret"
child "clearenv(), then execv" "$EDGEPROG/execs" clearenv /bin/cat "$M/secret"
WANT="only in the union
status 0"
child "clearenv(), then system()" "$EDGEPROG/execs" clearenv-system "cat '$M/secret'"
child "posix_spawn with an envp of its own" "$EDGEPROG/execs" spawn-ownenv /bin/cat "$M/secret"
WANT="only in the union"
child "unsetenv(LD_PRELOAD, UNION_LAYERS), then execvp" "$EDGEPROG/execs" unsetenv cat "$M/secret"
child "execve with an envp of its own" "$EDGEPROG/execs" ownenv /bin/cat "$M/secret"
child "python subprocess with env={}" "$PYTHON" -c \
	'import subprocess, sys; sys.stdout.write(subprocess.run(["/bin/cat", sys.argv[1]], env={}, capture_output=True, text=True).stdout)' "$M/secret"
child "perl exec with %ENV emptied" perl -e '%ENV = (); exec "/bin/cat", $ARGV[0]' "$M/secret"

# The other preloaded library survives.  The grandchild is grep, which
# looks for both libraries in its own maps.
check_maps() {
	local what=$1 want=$2 out rc=0
	shift 2
	out=$(bounded 30 env UNION_LAYERS="$SPEC" LD_PRELOAD="$LD" "$@" 2>&1) || rc=$?
	expect_eq "$what" "$want/0" "$out/$rc"
}
GREP_BOTH='u=; m=; grep -q libunion /proc/self/maps && u=union; grep -q libmarker /proc/self/maps && m=marker; echo "$u $m"'
for LD in "$LIBUNION:$MARK" "$MARK:$LIBUNION" "$MARK $LIBUNION"; do
	check_maps "LD_PRELOAD='${LD//$T/T}': a plain child keeps both" "union marker" \
		sh -c "$GREP_BOTH; cat '$M/secret' >/dev/null"
	check_maps "LD_PRELOAD='${LD//$T/T}': unsetenv(LD_PRELOAD) then exec: the union comes back, with the other library" "union marker" \
		"$EDGEPROG/execs" unsetenv sh -c "$GREP_BOTH"
done
LD=$LIBUNION
# A program that hands its child LD_PRELOAD=other.so: libunion is put in
# front, other.so stays.  (In a sanitizer build other.so comes after the
# ASan runtime, which the child needs before libc.)
OTHER=$(rt_first "$MARK")
check_maps "an envp with LD_PRELOAD=other.so: the child has both" "union marker" \
	"$EDGEPROG/execs" ownenv-preload "$OTHER" /bin/sh -c "$GREP_BOTH"
check_maps "an envp with LD_PRELOAD=other.so: the child is in the union" "$WANT" \
	"$EDGEPROG/execs" ownenv-preload "$OTHER" /bin/cat "$M/secret"
# The variable itself: libunion once, first, the other after it.
out=$(env UNION_LAYERS="$SPEC" LD_PRELOAD="$LIBUNION" "$EDGEPROG/execs" ownenv-preload "$OTHER" \
	/usr/bin/env 2>&1 | grep '^LD_PRELOAD=' || true)
expect_eq "the child's LD_PRELOAD" "LD_PRELOAD=$LIBUNION_SO:$OTHER" "$out"
# env -i: the child gets the LD_PRELOAD this process had, in its order
# (env -i drops ASAN_OPTIONS: a sanitizer build's runtime stays first).
for LD in "$(rt_first "$MARK:$LIBUNION_SO")" "$LIBUNION:$MARK"; do
	out=$(env UNION_LAYERS="$SPEC" LD_PRELOAD="$LD" sh -c 'env -i /usr/bin/env' 2>&1 | grep '^LD_PRELOAD=' || true)
	expect_eq "env -i under LD_PRELOAD='${LD//$T/T}': the child's LD_PRELOAD" "LD_PRELOAD=$LD" "$out"
done
LD=$LIBUNION

lowers_check
un_done
