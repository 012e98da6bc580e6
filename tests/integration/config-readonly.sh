#!/bin/bash
# config-readonly: an empty UPPER (MERGED=:LOWER): every change fails with EROFS, nothing is written.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_lib || un_done

changes() {
	# $1: the merged path.  Each change must fail with EROFS.
	cat <<SH
touch "$1/new"; touch "$1/f1"; rm "$1/f1"; mkdir "$1/nd"; mv "$1/f1" "$1/f3"
chmod 600 "$1/f1"; ln -s x "$1/s"; ln "$1/f1" "$1/h"; echo x >> "$1/f1"
truncate -s 0 "$1/f1"; rmdir "$1/e1"; cp "$1/f1" "$1/copy"; rm -rf "$1/d"
SH
}

# Without root: the union alone.
if [ -z "$UN_HARNESS" ]; then
	mkdir -p "$T/l1/e1" "$T/l1/d" "$T/l2"
	echo f1 >"$T/l1/f1"
	echo x >"$T/l1/d/x"
	echo f2 >"$T/l2/f2"
	lowers_snapshot "$T/l1" "$T/l2"
	before=$(ls -A "$T")
	out=$(un_run "$T/ro" "" "$T/l1" "$T/l2" -- bash -c "$(changes "$T/ro")
		cat \"$T/ro/f1\" \"$T/ro/f2\"; sysop=\"$TESTPROG/sysop\"
		[ -x \"\$sysop\" ] && \"\$sysop\" open \"$T/ro/f1\" wronly -- open \"$T/ro/n\" wronly,creat -- unlink \"$T/ro/f1\" -- mkdir \"$T/ro/x\" 755 -- setxattr \"$T/ro/f1\" user.a b
		true" 2>&1) || true
	n=$(printf '%s\n' "$out" | grep -c 'Read-only file system' || true)
	printf '%s\n' "$out"
	expect_eq "read-only union: the 13 shell changes fail with EROFS" yes "$([ "$n" -ge 13 ] && echo yes || echo "no ($n)")"
	if [ -x "$TESTPROG/sysop" ]; then
		expect_eq "read-only union: the calls fail with EROFS" 5 "$(printf '%s\n' "$out" | grep -c ': EROFS$' || true)"
	fi
	expect_eq "read-only union: reads work" yes "$(printf '%s\n' "$out" | grep -q '^f2$' && echo yes || echo no)"
	expect_eq "read-only union: nothing new beside the layers" "$before" "$(ls -A "$T")"
	lowers_check
fi

setup() {
	mkdir -p "$1/lower1/e1" "$1/lower1/d" "$1/lower2"
	mkf "$1/lower1/f1" 644 f1
	mkf "$1/lower1/d/x" 644 x
	mkf "$1/lower2/f2" 644 f2
	mkf "$1/lower2/d/y" 644 y
}

action() {
	step "$(changes '$M')"
	step 'ls "$M" "$M/d"; cat "$M/f1" "$M/f2" "$M/d/y"'
	step 'cd "$M" && touch new; echo x > f2; "$PYTHON" -c "open(\"f1\", \"a\")" 2>&1 | tail -1'
}

UN_NO_UPPER=1 compare_kernel_union config-readonly setup action
un_done
