#!/bin/bash
# lowers-never-written: every write path we know through MERGED (plain, symlinks of upper and lowers, relative and absolute into MERGED, '..' past the MERGED root and back, hard links, descriptors, /proc/self/fd, dirfds, cwd, tools), as root, as nobody and as the lowers' owner, over a separate and an in-place MERGED: the lowers hash the same afterwards.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
command -v setfattr >/dev/null 2>&1 || un_log "note: no setfattr: the xattr tool steps are skipped"

cp "$EDGESRC/write-sweep.py" "$T/write-sweep.py"
# The shell tools' part, run in the view before the Python sweep.
cat >"$T/tools.sh" <<'SH'
cd "$M" || exit 1
{
echo x >>f; echo y >g; echo z >|ro
sed -i s/x/X/ d/x; perl -pi -e 's/z/Z/' d/z
cp -f --remove-destination /etc/hostname d/sub/y; install -m 600 /etc/hostname shadow
cp /etc/hostname abs-link; cp /etc/hostname uabs; echo via >>ulink; echo via >>chain
touch f2; touch -h rel-link abs-link; touch -d @5 hl1
chmod -R go-r d; chown -R 1:1 e; chmod 600 dirlink/x abslinkdir/x
ln -sf other rel-link; ln -f hl1 hl-new; mv dirlink/x d/moved
dd if=/dev/zero of=hl2 bs=1 count=1 conv=notrunc status=none; truncate -s 0 xattr-file
if command -v setfattr >/dev/null; then setfattr -n user.t -v 1 f2; setfattr -x user.k xattr-file; fi
printf 'append via dash\n' | dash -c 'cat >>"$1"' sh d/z
(cd d && echo rel >>../g && echo rel >>./x)
echo back-in >>"$M/d/../../$(basename "$M")/f"
echo escape >>escape-back
tar -C "$M" -xf "$T/over.tar"
find . -path ./fresh -prune -o -type f -exec chmod 640 {} +
} >/dev/null 2>&1
exit 0
SH

# layers DIR M: the layers; lower1 gets symlinks into M.
layers() {
	local d=$1 m=$2
	mkdir -p "$d/upper/udir" "$d/lower1/d/sub" "$d/lower2/d" "$d/lower2/e"
	local l1=$d/lower1 l2=$d/lower2
	echo f >"$l1/f"; echo g >"$l1/g"; echo ro >"$l1/ro"; chmod 444 "$l1/ro"
	echo x >"$l1/d/x"; echo y >"$l1/d/sub/y"
	echo hl >"$l1/hl1"; ln "$l1/hl1" "$l1/hl2"
	ln -s f "$l1/rel-link"; ln -s "$m/g" "$l1/abs-link"
	ln -s d "$l1/dirlink"; ln -s "$m/d" "$l1/abslinkdir"; ln -s rel-link "$l1/chain"
	ln -s "../$(basename "$m")/g" "$l1/escape-back"
	echo xa >"$l1/xattr-file"
	setfattr -n user.k -v v "$l1/xattr-file" 2>/dev/null || true
	echo f2 >"$l2/f2"; echo z >"$l2/d/z"; echo shadow >"$l2/shadow"; echo w >"$l2/e/w"
	ln -s f "$d/upper/ulink"; ln -s "$m/d/x" "$d/upper/uabs"
	# one fresh file for each way of writing of write-sweep.py
	mkdir -p "$l1/fresh"
	local a
	for a in append rdwr trunc rdtrunc fdchg proc opath mapped truncate \
		chmod suid chown lchown utime lutime setx lsetx rmx lrmx; do
		echo "$a" >"$l1/fresh/$a"
		echo "$a 2" >"$l1/fresh/$a-2"
		echo "$a 3" >"$l1/fresh/$a-3"
		ln -s "$a-3" "$l1/fresh/$a-link"
		ln -s "$m/fresh/$a-2" "$l1/fresh/$a-abs"
		setfattr -n user.k -v v "$l1/fresh/$a" "$l1/fresh/$a-2" "$l1/fresh/$a-3" 2>/dev/null || true
	done
	chmod -R a+rX "$d"
}

# A tarball of names that the lowers hold, to extract over them.
mkdir -p "$T/tarsrc/d"
echo "from tar" >"$T/tarsrc/f"; echo "from tar" >"$T/tarsrc/d/x"; echo "from tar" >"$T/tarsrc/hl1"
tar -C "$T/tarsrc" -cf "$T/over.tar" .

# The harness itself: the same steps without libunion over an in-place
# layout write into lower1 (else this test could not see a write).
if [ -z "${EDGES_NO_SELFTEST:-}" ]; then
	d=$T/selftest
	M=$d/lower1
	layers "$d" "$M"
	lowers_snapshot "$d/lower1"
	(cd "$T" && bounded 120 env M="$M" T="$T" bash "$T/tools.sh") || true
	(cd "$T" && bounded 120 "$PYTHON" "$T/write-sweep.py" "$M" >/dev/null 2>&1) || true
	saved=$UN_FAILS
	lowers_check 2>/dev/null
	if [ "$UN_FAILS" = "$saved" ]; then
		fail "harness: the steps without libunion did not change lower1: they test nothing"
	else
		UN_FAILS=$saved
		echo "ok: harness: without libunion the same steps do change the lower"
	fi
fi

n=0
for mode in separate inplace; do
	# root; nobody over root's lowers (the kernel's permission checks
	# stop most writes anyway); owner: nobody over lowers of its own,
	# the common case of a user's sandbox over the user's own tree.
	for who in root nobody owner; do
		if [ $who != root ] && ! is_root; then
			un_log "note: the as-$who runs need root: not run"
			continue
		fi
		n=$((n + 1))
		d=$T/run$n-$mode-$who
		if [ $mode = inplace ]; then M=$d/lower1; else M=$T/m$n; fi
		layers "$d" "$M"
		[ $who != root ] && chown -R 65534:65534 "$d/upper"
		[ $who = owner ] && chown -hR 65534:65534 "$d/lower1" "$d/lower2"
		lowers_snapshot "$d/lower1" "$d/lower2"
		spec=$(un_spec "$M" "$d/upper" "$d/lower1" "$d/lower2")
		pre=()
		[ $who != root ] && pre=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
		rc=0
		(cd "$T" && bounded 120 "${pre[@]}" env M="$M" T="$T" UNION_LAYERS="$spec" \
			LD_PRELOAD="$LIBUNION" bash "$T/tools.sh") || rc=$?
		[ "$rc" = 0 ] || fail "$mode, as $who: the tools' steps: status $rc"
		rc=0
		out=$(cd "$T" && bounded 120 "${pre[@]}" env UNION_LAYERS="$spec" \
			LD_PRELOAD="$LIBUNION" "$PYTHON" "$T/write-sweep.py" "$M" 2>&1) || rc=$?
		[ "$rc" = 0 ] || fail "$mode, as $who: the sweep: status $rc: $out"
		echo "info: $mode, as $who: $out"
		# Something did happen in the view.
		[ -n "$(ls -A "$d/upper" | grep -v '^\.union$' || true)" ] ||
			[ -n "$(table_records "$d/upper")" ] ||
			fail "$mode, as $who: the upper is empty: the writes went nowhere?"
		before=$UN_FAILS
		lowers_check
		[ "$UN_FAILS" = "$before" ] && echo "ok: $mode, as $who: the lowers are unchanged"
	done
done
un_done
