#!/bin/bash
# open-creat-vanished-race: open(O_CREAT) of a name that another process
# removes (or renames away) between the library's lookup and its open.
# The kernel's open finds or makes the name at once: never ENOENT.  The
# library found the name, then opened it without O_CREAT: ENOENT
# (tests/stress/race.py, 2 of 100 seeds as nobody: "create obj/k =>
# ENOENT" while another process ran mv obj/k obj/y).  Made certain
# here: A's open of the upper's file is held by strace's delay until B
# has removed the name; then A must have made it again, and where a
# lower holds the name, the whiteout B recorded must be gone.  And a
# lower file A copies up for its open, B removing the copy before A
# opens it (held after the copy-up's rename): the copy-up's ENOENT was
# answered (race.py seed 340 as root: "create lib/g/y => ENOENT").
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_strace_delay openat

cat >"$T/a.py" <<'PY'
import os, sys
open(sys.argv[2], "w").close()        # ready: B may remove the name
try:
    fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.write(fd, b"A\n")
    os.close(fd)
    print("A ok")
except OSError as e:
    print("A: " + e.strerror)
PY

# race WHO RUN NAME HOW: A creates d/NAME (held at the open of HELD) while
# B runs HOW (rm or mv) on it; prints A's answer and the view's content.
race() {
	local run=$2 name=$3 how=$4 held=$5 spec=$6 m=$7 uenv=()
	local calls=openat when=delay_enter
	# a lower file: A's copy-up is held once its copy is in place
	[ "$name" = lower ] && calls=rename,renameat,renameat2 when=delay_exit
	[ -n "$spec" ] && uenv=(UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION")
	rm -f "$T/home/ready" "$T/home/st.log"
	$run strace -f -qq -o "$T/home/st.log" -P "$held" -e trace=$calls \
		-e inject=$calls:$when=2000000 \
		env "${uenv[@]}" \
		"$PYTHON" -B "$T/a.py" "$m/d/$name" "$T/home/ready" >"$T/a.out" 2>&1 &
	local a=$!
	local i=0
	while [ ! -e "$T/home/ready" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
	sleep 0.5	# A's lookup is done, its open held
	case $how in
	rm) $run env "${uenv[@]}" \
		rm "$m/d/$name" ;;
	mv) $run env "${uenv[@]}" \
		mv "$m/d/$name" "$m/d/moved-$name" ;;
	esac
	wait "$a" || true
	printf '%s; %s\n' "$(cat "$T/a.out")" \
		"$($run env "${uenv[@]}" \
			cat "$m/d/$name" 2>&1)"
}

layers() {
	local d=$T/$1
	rm -rf "$d"
	mkdir -p "$d/upper" "$d/lower/d" "$d/work"
	echo lower >"$d/lower/d/low"
	echo lower >"$d/lower/d/lower"
	[ "$1" = nobody ] && chown -R 65534:65534 "$d"
	return 0
}

run() {
	local who=$1 run=$2 d=$T/$1 spec name how out
	for name in low new lower; do
		for how in rm mv; do
			layers "$who"
			lowers_snapshot "$d/lower"
			spec=$(un_spec "$d/view" "$d/upper" "$d/lower")
			# low: copied up (a lower below: B's rm records a
			# whiteout); new: made in the union, upper only;
			# lower: in the lower only, A copies it up (and B
			# removes A's copy before A opens it).
			$run env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
				sh -c "[ $name = lower ] || echo old >'$d/view/d/$name'"
			out=$(race "$who" "$run" "$name" "$how" \
				"$d/upper/d/$name" "$spec" "$d/view")
			expect_eq "$who: A creates d/$name while B runs $how on it" \
				"A ok; A" "$out"
			grep -Eq '(ENOENT|= 0) .*\(DELAYED\)' "$T/home/st.log" ||
				fail "$who $name $how: the race was not made (A's held open did not meet the removal): $(cat "$T/home/st.log")"
			lowers_check
		done
	done
}

# The kernel's answer, once, for the record (its open is held before
# its lookup: the same outcome).
if is_root; then
	need_kernel_overlay
	layers kernel
	kernel_mount "$T/kernel/m" "$T/kernel/upper" "$T/kernel/work" "$T/kernel/lower"
	echo old >"$T/kernel/m/d/low"
	expect_eq "kernel: A creates d/low while B removes it" "A ok; A" \
		"$(race kernel "" low rm "$T/kernel/m/d/low" "" "$T/kernel/m")"
	kernel_umount "$T/kernel/m"
fi
run_self_then_nobody run
un_done
