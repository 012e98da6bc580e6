#!/bin/bash
# watch-inotifywait-dir: inotifywait -m on a merged directory reports the
# names made, changed, moved and deleted through the union as over the
# kernel overlay: copy-ups stay hidden, a lower name's deletion (only a
# whiteout record) is a DELETE (root, nobody; MERGED absent, in place).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_cmd inotifywait

setup() {
	local l=$1/lower1 u=$1/upper
	mkd "$l/dir" 755
	for f in lf lf2 lf3 lf4 lf5 lf6 both; do
		mkf "$l/dir/$f" 644 "lower $f"
	done
	mkd "$l/dir/sub" 755
	mkf "$l/dir/sub/x" 644 "x"
	mkd "$l/dir/sub2" 755
	mkf "$l/dir/sub2/y" 644 "y"
	mkd "$l/dir/empty" 755
	mkd "$u/dir" 755
	mkf "$u/dir/both" 644 "upper both"
	mkf "$u/dir/uonly" 644 "uonly"
}

# The watcher runs in the view (it is the process whose watch is tested);
# each change is made by another process.  Events are asynchronous: the
# changes start once inotifywait says its watch is set, and the watcher
# is stopped once the marker made last has been reported (bounded waits,
# no fixed sleeps).
action() {
	stepx <<'SH'
ev=$T/home/events.$$ err=$T/home/err.$$
timeout 120 inotifywait -m -e create,modify,delete,moved_from,moved_to,close_write,attrib \
	--format '%e %f' "$M/dir" >"$ev" 2>"$err" &
waitfor grep -qs -- "Watches established" "$err" || cat "$err"
sh -c 'echo new > "$1/new"' sh "$M/dir"
sh -c 'echo more >> "$1/lf"' sh "$M/dir"
sh -c ': > "$1/lf6"' sh "$M/dir"
rm "$M/dir/lf2"
mv "$M/dir/lf3" "$M/dir/lf4"
rm "$M/dir/both" "$M/dir/uonly"
mkdir "$M/dir/d2"
rmdir "$M/dir/empty"
rm -r "$M/dir/sub2"
chmod 600 "$M/dir/lf5"
mv "$M/dir/new" "$M/dir/renamed"
rm "$M/dir/renamed"
echo end > "$M/dir/zz-end"
waitfor grep -qs -- "CLOSE_WRITE,CLOSE zz-end" "$ev"
kill %1
wait
cat "$ev"
SH
	step 'ls -A "$M/dir"'
}

compare_kernel_union watch-inotifywait-dir setup action
UN_MERGED_ABSENT=1 compare_kernel_union watch-inotifywait-dir-absent setup action
UN_INPLACE=1 compare_kernel_union watch-inotifywait-dir-inplace setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 \
	compare_kernel_union watch-inotifywait-dir-nobody setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 UN_INPLACE=1 \
	compare_kernel_union watch-inotifywait-dir-nobody-inplace setup action
un_done
