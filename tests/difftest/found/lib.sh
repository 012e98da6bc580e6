# found/lib.sh - the helper of the reproducers in this directory.
#
#	. "$(dirname "$0")/lib.sh"
#	repro 'SETUP' 'OPS'
#
# SETUP is shell run in $R, where the layers are: u (upper), l1 and l2
# (lowers, top first) of MERGED $M = $R/merged (absent on disk for
# libunion); with LAYOUT=two also u2 and l3 for a second MERGED $M2.
# OPS are driver operations (see ../driver.c), one a line, with $M/$M2.
# The operations run once over a kernel overlay mount and once under
# libunion on identical layers at the same path; the outputs, the merged
# trees and the lowers are compared.  Exit 0: same (fixed); 1: differs.
# NOGUARD=1 turns the driver's escape guard off (operations on MERGED).
# AS=nobody plays the operations as uid 65534 (setpriv), who owns every
# layer and the cwd (the kernel mount is root's, with userxattr as
# difftest.py --as-user mounts it; the trees are listed as
# root).  RO=1 makes $M a read-only union (an empty UPPER; the kernel
# mount has no upperdir).
# UN_UNION_ONLY=1 (CI's sanitizer pass, as tests/lib.sh): the operations
# run under libunion alone; what fails is a sanitizer's report or the
# driver's status 86 (ASAN_OPTIONS' exitcode), or a lower changed.  The
# comparison with the kernel is the plain pass's, on the same code.
set -u
_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$_here/../../san_report.sh"
DRIVER=${DRIVER:-$_here/../driver}
LIBUNION=${LIBUNION:-$_here/../../../preload/.libs/libunion.so}
LAYOUT=${LAYOUT:-absent}
# A sanitizer build (UN_PRELOAD_FIRST, set by make check) needs the ASan
# runtime first in LD_PRELOAD; its report then shows in the libunion
# side's output, which no longer matches the kernel's.
PRELOAD=${UN_PRELOAD_FIRST:+$UN_PRELOAD_FIRST }$LIBUNION
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (kernel overlay)"; exit 77; }
[ -x "$DRIVER" ] || { echo "no driver at $DRIVER (make check builds it)"; exit 2; }

repro() {
	local setup=$1 ops=$2 T R M M2 lows rc=0
	T=$(mktemp -d /tmp/found.XXXXXX)
	R=$T/r M=$R/merged M2=$R/merged2
	lows="l1 l2"
	[ "$LAYOUT" = two ] && lows="l1 l2 l3"
	_build() {
		rm -rf "$R"
		mkdir -p "$R/cwd" "$R/u" "$R/l1" "$R/l2"
		[ "$LAYOUT" = two ] && mkdir -p "$R/u2" "$R/l3"
		(cd "$R" && eval "$setup")
		find "$R" -exec touch -h -d @1000000000 {} +
		# the user owns the layers and the cwd, not $R
		if [ "${AS:-root}" = nobody ]; then
			(cd "$R" && chown -hR 65534:65534 cwd u l1 l2 \
				$([ "$LAYOUT" = two ] && echo u2 l3))
		fi
	}
	local who=()
	[ "${AS:-root}" = nobody ] &&
		who=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
	_lowers() {
		(cd "$R" && find $lows -printf '%p %y %m %U:%G %s %T@ %l\n' &&
			find $lows -type f -exec sha1sum {} + &&
			getfattr -R -h -d -m - $lows 2>/dev/null) | sort
	}
	local roots="-r $M" list="$M" spec="$M=$R/u:$R/l1:$R/l2"
	local kopts="lowerdir=$R/l1:$R/l2,upperdir=$R/u,workdir=$R/w"
	if [ -n "${RO:-}" ]; then
		spec="$M=:$R/l1:$R/l2"
		kopts="lowerdir=$R/l1:$R/l2"
	fi
	# The user's kernel overlay is the one a user can mount, as
	# difftest.py --as-user mounts it: userxattr (overlay marks in
	# user.* xattrs, which a symlink or fifo cannot hold).
	local xopt=""
	[ "${AS:-root}" = nobody ] && xopt=",userxattr"
	kopts="$kopts$xopt"
	# NOGUARD=1: no escape guard (for operations on MERGED itself)
	[ -n "${NOGUARD:-}" ] && roots=""
	if [ "$LAYOUT" = two ]; then
		[ -n "$roots" ] && roots="$roots -r $M2"
		list="$list $M2"
		spec="$spec;$M2=$R/u2:$R/l3"
	fi
	eval "printf '%s\n' \"$ops\"" | sed '/^[[:space:]]*$/d' >"$T/ops"
	chmod 755 "$T"
	[ "${UN_UNION_ONLY:-0}" = 1 ] || _kernel_side
	_build
	_lowers >"$T/lowers.before"
	# as nobody, the library is loaded after setpriv (as tests/lib.sh)
	(cd "$R/cwd" && "${who[@]}" env UNION_LAYERS="$spec" LD_PRELOAD="$PRELOAD" \
		"$DRIVER" $roots "$T/ops" || echo "driver exit $?" >>"$T/status"
	 UNION_LAYERS="$spec" LD_PRELOAD="$PRELOAD" "$DRIVER" --list $list ||
		echo "listing exit $?" >>"$T/status") >"$T/libunion" 2>&1
	_lowers >"$T/lowers.after"
	if [ "${UN_UNION_ONLY:-0}" = 1 ]; then
		# (a sanitizer's report, or ASan's exit status)
		if grep -E -B2 -A40 "$UN_SAN_REPORT_RE" "$T/libunion" ||
			grep -x '.* exit 86' "$T/status" 2>/dev/null; then
			echo "A SANITIZER REPORTED AN ERROR under libunion"
			rc=1
		fi
	else
		_compare || rc=1
	fi
	if ! cmp -s "$T/lowers.before" "$T/lowers.after"; then
		echo "LIBUNION CHANGED A LOWER:"
		sed -i "s#$R/#\$R/#g" "$T/lowers.before" "$T/lowers.after"
		diff -u --label before "$T/lowers.before" --label after "$T/lowers.after"
		rc=1
	fi
	if [ "$rc" = 0 ] && [ "${UN_UNION_ONLY:-0}" = 1 ]; then
		echo "libunion only (the sanitizer pass): no report, the lowers unchanged"
	elif [ "$rc" = 0 ]; then
		echo "SAME as the kernel (fixed)"
	fi
	rm -rf "$T"
	return "$rc"
}

# The kernel's side of repro: the operations over a kernel overlay mount
# of the layers, then its tree, into $T/kernel.
_kernel_side() {
	_build
	mkdir -p "$R/w" "$M"
	mount -t overlay overlay -o "$kopts" "$M"
	if [ "$LAYOUT" = two ]; then
		mkdir -p "$R/w2" "$M2"
		mount -t overlay overlay -o "lowerdir=$R/l3,upperdir=$R/u2,workdir=$R/w2$xopt" "$M2"
	fi
	(cd "$R/cwd" && "${who[@]}" "$DRIVER" $roots "$T/ops") >"$T/kernel" 2>&1
	(cd "$R/cwd" && "$DRIVER" --list $list) >"$T/ktree" 2>&1
	# A directory listed with nlink 0: where the kernel's copy-up of a
	# removed directory replaced a directory made at its name, the
	# merged dentry of the name keeps the replaced one until it leaves
	# the kernel's cache; the tree is listed again from a fresh mount
	# (difftest.py, remount).
	if grep -Eq '^[^ ]+ d [^ ]+ [^ ]+ nlink=0 ' "$T/ktree"; then
		[ "$LAYOUT" = two ] && umount "$M2"
		umount "$M"
		mount -t overlay overlay -o "$kopts" "$M"
		[ "$LAYOUT" = two ] &&
			mount -t overlay overlay -o "lowerdir=$R/l3,upperdir=$R/u2,workdir=$R/w2$xopt" "$M2"
		(cd "$R/cwd" && "$DRIVER" --list $list) >"$T/ktree" 2>&1
	fi
	cat "$T/ktree" >>"$T/kernel"
	[ "$LAYOUT" = two ] && umount "$M2"
	umount "$M"
}

# The two sides' outputs compared (status 1: they differ).
_compare() {
	sed -i "s#$R/#\$R/#g" "$T/kernel" "$T/libunion"
	# The errno an operation that succeeded left (driver.c): compared
	# where the kernel's side left none (difftest.py's success_errno_fix:
	# glibc's own realpath leaves its readlink's EINVAL).
	awk 'NR == FNR { k[FNR] = ($0 ~ / errno=[^ ]*$/); next }
	     k[FNR] { sub(/ errno=[^ ]*$/, "") } { print }' \
		"$T/kernel" "$T/kernel" >"$T/kernel.n"
	awk 'NR == FNR { k[FNR] = ($0 ~ / errno=[^ ]*$/); next }
	     k[FNR] { sub(/ errno=[^ ]*$/, "") } { print }' \
		"$T/kernel" "$T/libunion" >"$T/libunion.n"
	mv "$T/kernel.n" "$T/kernel"
	mv "$T/libunion.n" "$T/libunion"
	diff -u --label kernel "$T/kernel" --label libunion "$T/libunion"
}
