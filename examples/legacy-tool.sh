#!/bin/bash
# legacy-tool.sh - wrap a program that writes next to itself.
#
#   bash examples/legacy-tool.sh [path/to/union]
#
# An old tool installed in /opt/legacy keeps its state (a run counter and
# a log) in its own directory, which its users cannot (or should not)
# write.  Run through `union run` with an upper of the user's own, it
# works unchanged: it sees its directory as writable, its state lands in
# the upper, and each user has their own.  `union diff` then shows what
# it wrote; the directory itself is never touched.
#
# As root, the tool runs as the user nobody (uid 65534) over a directory
# owned by root.  Exit status 0 when every step holds, 1 otherwise.

set -u

union=${1:-${UNION_CMD:-$(dirname "$0")/../tools/union}}
if [ ! -x "$union" ]; then
	union=$(command -v union) || {
		echo "legacy-tool: the union command is not built (make)" >&2
		exit 1
	}
fi
union=$(cd "$(dirname "$union")" && pwd)/$(basename "$union")

T=$(mktemp -d "${TMPDIR:-/tmp}/legacy-tool.XXXXXX")
trap 'rm -rf "$T"' EXIT
chmod 755 "$T"
mkdir -p "$T/home"
[ "$(id -u)" = 0 ] && chown 65534:65534 "$T/home"
status=0

as_user() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups -- \
			env HOME="$T/home" "$@"
	else
		"$@"
	fi
}

check() {
	if [ "$2" = "$3" ]; then
		echo "  ok: $1"
	else
		printf '  FAILED: %s\n    expected: %s\n    got:      %s\n' \
			"$1" "$2" "$3" >&2
		status=1
	fi
}

# The legacy tool: counts its runs in a file beside itself.
app=$T/opt/legacy
mkdir -p "$app"
cat >"$app/legacy" <<'SH'
#!/bin/sh
here=$(dirname "$0")
n=$(cat "$here/runs" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" >"$here/runs" || exit 1
echo "run $n by $(id -un 2>/dev/null || id -u)" >>"$here/legacy.log" || exit 1
echo "legacy: this is run $n"
SH
chmod 755 "$app/legacy"
before=$(ls -l --time-style=+%s "$app")

printf '\n$ %s\n' "$app/legacy"
rc=0
as_user "$app/legacy" || rc=$?
[ "$(id -u)" = 0 ] && check "alone, it cannot write its directory" 1 "$rc"

up=$T/home/legacy-state
for i in 1 2; do
	printf '\n$ union run -l %s -u %s -- %s\n' "$app" "$up" "$app/legacy"
	out=$(as_user "$union" run -l "$app" -u "$up" -- "$app/legacy")
	echo "$out"
	check "run $i through the union" "legacy: this is run $i" "$out"
done

printf '\n$ union diff %s\n' "$up"
as_user "$union" diff "$up"
check "union diff shows its state" "A $app/legacy.log
A $app/runs" "$(as_user "$union" diff "$up")"
check "its directory is untouched" "$before" "$(ls -l --time-style=+%s "$app")"

echo
if [ "$status" = 0 ]; then
	echo "legacy-tool: every step holds"
else
	echo "legacy-tool: some steps did not hold" >&2
fi
exit "$status"
