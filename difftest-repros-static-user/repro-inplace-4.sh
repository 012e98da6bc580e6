#!/bin/bash
# difftest reproducer: seed 4, layout inplace, as uid 65534 who owns the layers.
#   first differing op #3:
#     kernel:   readlink n2 => -1 EACCES
#     libunion: readlink n2 => ESCAPES
# Runs the operations over a kernel overlay mount, then under libunion, on
# identical layers at the same path, and diffs what they print.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
for DRIVER in "${DRIVER:-}" "$HERE/driver" "$HERE/../driver" /work/wt-sock/tests/difftest/driver; do
	[ -x "$DRIVER" ] && break; done
LIBUNION=${LIBUNION:-/work/wt-sock/preload/.libs/libunion.so}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
T=$(mktemp -d /tmp/difftest-repro.XXXXXX); R=$T/r
mkf() { if [ "$2" = 0 ]; then : >"$1"; else yes "$3" | head -c "$2" >"$1"; fi; }
build() {
	rm -rf "$R"; mkdir -p "$R/cwd"
	mkdir -p "$R/u" "$R/l1" "$R/l2" "$R/l3"
	if [ "$1" = kernel ]; then mkdir -p "$R/w" "$R/l1"; fi
	mkdir "$R"/l2/f
	chmod 755 "$R"/l2/f
	touch -h -d @1000000000.000000000 "$R"/l2/f
	touch -h -d @1000000000 "$R/u" "$R/l1" "$R/l2" "$R/l3"
	chown -hR 65534:65534 "$R/cwd" "$R/u" "$R/l1" "$R/l2" "$R/l3"
}
# the state of the lowers (libunion must never change them)
lowers() { (cd "$R" && find l1 l2 l3 -printf "%p %y %m %U:%G %s %T@ %l\n" && find l1 l2 l3 -type f -exec sha1sum {} + && getfattr -R -h -d -m - l1 l2 l3 2>/dev/null) | sort; }
cat >$T/ops <<EOF
chdir $R/l1/f
chmod $R/l1/f 600
readlink n2
EOF
build kernel
mount -t overlay overlay -o 'lowerdir='"$R"'/l1:'"$R"'/l2:'"$R"'/l3,upperdir='"$R"'/u,workdir='"$R"'/w,index=off,metacopy=off,userxattr' "$R/l1"
(cd "$R/cwd" && setpriv --reuid=65534 --regid=65534 --clear-groups -- "$DRIVER" -r "$R/l1" $T/ops; "$DRIVER" --list "$R/l1") >$T/kernel.out 2>&1
umount "$R/l1"
build union
lowers >$T/lowers.before
UL="$R/l1=$R/u:$R/l1:$R/l2:$R/l3"
PRE="${UN_PRELOAD_FIRST:+$UN_PRELOAD_FIRST }$LIBUNION"
(cd "$R/cwd" && setpriv --reuid=65534 --regid=65534 --clear-groups -- env UNION_LAYERS="$UL" LD_PRELOAD="$PRE" "$DRIVER" -r "$R/l1" $T/ops; UNION_LAYERS="$UL" LD_PRELOAD="$PRE" "$DRIVER" --list "$R/l1") >$T/union.out 2>&1
lowers >$T/lowers.after
rc=0
diff -u --label kernel $T/kernel.out --label libunion $T/union.out || rc=1
diff -u --label "lowers before" $T/lowers.before --label "lowers after (libunion)" $T/lowers.after || { echo "LIBUNION CHANGED A LOWER"; rc=1; }
[ $rc = 0 ] && echo "SAME (fixed?)"
rm -rf "$T"
exit $rc
