#!/bin/bash
# bench/supervise.sh - static busybox's `ls -lR` (Debian's busybox has no find -printf) and `tar c` over a
# tree, natively, over a kernel overlay mount (root), under the seccomp
# supervisor (union run), and under proot (ptrace; if installed), in the
# same run.  Best of N wall-clock seconds each; `true` gives each way's
# start-up cost.  Usage: bench/supervise.sh [FILES_PER_DIR] [DIRS] [N]
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
UNION=${UNION_CMD:-$TOP/tools/union}
BB=/bin/busybox
PER=${1:-100} DIRS=${2:-50} N=${3:-3}
T=$(mktemp -d /tmp/bench-supervise.XXXXXX)
trap 'mountpoint -q "$T/km" && umount "$T/km"; rm -rf "$T"' EXIT
mkdir -p "$T/l" "$T/u" "$T/k" "$T/w" "$T/km"
for i in $(seq 1 "$DIRS"); do
	mkdir -p "$T/l/d$i"
	for j in $(seq 1 "$PER"); do echo "file $i $j" >"$T/l/d$i/f$j"; done
done
best() {
	local b=999999 s e d
	for _ in $(seq 1 "$N"); do
		s=$(date +%s%N)
		"$@" >/dev/null 2>&1
		e=$(date +%s%N)
		d=$(((e - s) / 1000000))
		[ "$d" -lt "$b" ] && b=$d
	done
	echo "$b"
}
row() {	# NAME DIR PREFIX...
	local name=$1 dir=$2
	shift 2
	printf '%-12s %8s %8s %8s\n' "$name" \
		"$(best "$@" "$BB" true)" \
		"$(best "$@" "$BB" ls -lR "$dir")" \
		"$(best "$@" "$BB" tar cf - -C "$dir" .)"
}
echo "$((PER * DIRS)) files; best of $N, milliseconds"
printf '%-12s %8s %8s %8s\n' way true ls-lR tar
row native "$T/l"
if [ "$(id -u)" = 0 ] &&
	mount -t overlay overlay -o "lowerdir=$T/l,upperdir=$T/k,workdir=$T/w" "$T/km"; then
	row kernel "$T/km"
	umount "$T/km"
fi
row supervised "$T/m" "$UNION" run -l "$T/l" -u "$T/u" -m "$T/m" --
command -v proot >/dev/null && row proot "$T/l" proot
exit 0
