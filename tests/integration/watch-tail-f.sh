#!/bin/bash
# watch-tail-f: `tail -f` and `tail -F` on a merged file follow what other
# processes append through the union, as over the kernel overlay: the
# first append copies a lower file up, and the watch and tail's own
# descriptor follow the copy (root, nobody; MERGED absent, in place).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_cmd tail

setup() {
	mkf "$1/lower1/log" 644 "line 1"
	mkd "$1/lower1/logs" 755
	mkf "$1/lower1/logs/app.log" 644 "app 1"
	mkd "$1/upper" 755
	mkf "$1/upper/up.log" 644 "up 1"
}

# tail runs in the view; the appends are other processes.  Sync points:
# tail has printed the file's last line, and each appended line has been
# printed (bounded waits, no fixed sleeps).  A tail that does not follow
# fails by a TIMEOUT line and the missing lines.  (Over the kernel
# overlay coreutils' tail polls: overlayfs is on its list of file systems
# where inotify is not trusted.  Under the union it uses inotify, since
# fstatfs answers the real file system; an append made before its watch
# is set is read by the check tail makes after setting it, which
# inotify_add_watch makes right by moving tail's descriptor to the upper
# copy.  tail -F's checks compare the name's st_ino with the one it read
# at its start: the copy answers the lower file's to a watcher
# (watch_ident.c); watch-tail-f-copyup-race lands the copy-up in that
# window every time.  `-s 0.1`: the kernel side's polls a second apart
# made this scenario 45 s long.)
follow() {
	stepx <<'SH'
set -- $TAIL_HOW
out=$T/home/tail.$$
cd "$M"
tail -s 0.1 -n 1 $1 "$2" >"$out" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
waitfor test -s "$out"
sh -c 'echo "appended 2" >> "$1"' sh "$2"
waitfor printed "$out" "appended 2"
sh -c 'echo "appended 3" >> "$1"' sh "$M/$2"
waitfor printed "$out" "appended 3"
kill $pid
wait
# (waited for, its number may be another process's: no kill at exit)
trap - EXIT
echo "tail $TAIL_HOW:"
cat "$out"
SH
}

action() {
	local how
	for how in "-f log" "-F logs/app.log" "-f up.log"; do
		TAIL_HOW=$how follow
	done
}
export TAIL_HOW

compare_kernel_union watch-tail-f setup action
UN_MERGED_ABSENT=1 compare_kernel_union watch-tail-f-absent setup action
UN_INPLACE=1 compare_kernel_union watch-tail-f-inplace setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union watch-tail-f-nobody setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 UN_INPLACE=1 \
	compare_kernel_union watch-tail-f-nobody-inplace setup action
un_done
