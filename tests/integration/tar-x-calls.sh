#!/bin/bash
# tar-x-calls: tar x filling ~40 new directories in turn and writing into
# lower directories looks each path up from the thread's directory cache,
# not from the union's root again (bench/README.md, Session 9 (write),
# "Round 2: tar x": 32 direct-mapped slots thrashed, newfstatat 10,880
# -> 7,671 on the bench's 2,700 files), as root and as the user nobody
# who owns the lowers.  Counted with strace; the results of the same
# extraction are tar-x-into's (compared with the kernel).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_cmd tar
need_strace

NDIR=40 PER=6
s=$T/src
mkdir -p "$T/lower" "$T/upper" "$s"
list=()
for j in $(seq -w 1 $NDIR); do
	mkdir -p "$s/tx/t$j" "$T/lower/l$j/sub"
	list+=("tx/t$j")
done
# The archive's order: the directories, then a file in each in turn.
for i in $(seq 1 $PER); do
	for j in $(seq -w 1 $NDIR); do
		echo "$i" >"$s/tx/t$j/x$i"
		list+=("tx/t$j/x$i")
	done
done
printf '%s\n' "${list[@]}" >"$T/list"
tar -C "$s" --no-recursion -cf "$T/a.tar" -T "$T/list"
nfiles=$((NDIR * PER))

mkdir -p "$T/view"
# Making a directory costs ~8 (tar's own lstats, and the library's);
# a file whose parent is cached costs no lookup (its upper's names are
# known, it has no lower), one walked from the root again ~3.  32 slots
# and 16 sets counted 772-907 here, 256 of each 349-466 (the slots hash
# the temporary path: collisions vary from run to run).
limit=$((8 * NDIR + nfiles))
# count WHO: tar x into a fresh upper as root, or as the user nobody who
# owns the lowers (an unprivileged copy-up lifts and checks modes: it
# must not walk more).  The library is loaded after setpriv, as
# tests/lib.sh's steps do (a root setpriv would make .union/ root's).
count() {
	local u=$T/upper-$1 who=()
	mkdir -p "$u"
	if [ "$1" = nobody ]; then
		chown 65534:65534 "$u"
		chown -hR 65534:65534 "$T/lower"
		who=(-n)
	fi
	count_calls -c "${who[@]}" "$T/calls-$1" "$T/view" "$u" "$T/lower" -- \
		tar -C "$T/view" -xf "$T/a.tar"
	[ "$(cat "$u/tx/t$NDIR/x$PER")" = "$PER" ] ||
		fail "tar x as $1 did not write the last file into the upper"
	[ -z "$(find "$T/lower" -newer "$T/a.tar" -print -quit)" ] ||
		fail "tar x as $1 changed the lower"
	local n
	n=$(awk '$1 ~ /^(statx|newfstatat|lstat|stat)$/ { n += $2 }
		END { print n + 0 }' "$T/calls-$1")
	if [ "$n" -le "$limit" ]; then
		printf 'ok: %s: %s stat calls for %s files (at most %s)\n' \
			"$1" "$n" "$nfiles" "$limit"
	else
		cat "$T/calls-$1" >&2
		fail "$1: $n stat calls for $nfiles files (at most $limit): paths walked from the root again"
	fi
}
count root
if is_root && command -v setpriv >/dev/null; then
	count nobody
else
	printf 'SKIP: tar-x-calls: the pass as nobody needs root and setpriv\n'
fi
un_done
