#!/bin/bash
# symlink-replaced-during-lookup-race: the last name of a path is a
# symlink when the library's lookup lstat()s it, and another process
# removes it, or puts a file there, before the lookup reads the link.
# The kernel takes each name as it is at one instant: the open follows
# the link or opens the file, never ENOENT or EINVAL.  The library
# answered the readlink's error (tests/stress/race.py, seed 149 of
# 121-220 as root: "append src/d/k => ENOENT" while other processes ran
# ln -s k src/d/k and rm src/d/k; 10 in 5 s of three processes looping
# on one name, ENOENT and EINVAL).  Made certain here: A's readlink of
# the upper's link is held by strace's delay until B has replaced it;
# then A must open (or make) the name as it is after B.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_strace_delay readlink

cat >"$T/a.py" <<'PY'
import os, sys
open(sys.argv[3], "w").close()        # ready: B may replace the link
try:
    if sys.argv[2] == "append":
        fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND,
                     0o644)
        os.write(fd, b"A\n")
        os.close(fd)
    else:
        os.stat(sys.argv[1])
    print("A ok")
except OSError as e:
    print("A: " + e.strerror)
PY

# race WHO RUN CALL HOW HELD SPEC M: A runs CALL on M/d/k (a link to the
# absent t), its SYSCALL on HELD held, while B runs HOW (rm: removes the
# link; file: removes it and writes a file there); prints A's answer,
# then d/k's content and whether d/t exists.
race() {
	local run=$2 call=$3 how=$4 held=$5 spec=$6 m=$7 sys=$8 uenv=()
	[ -n "$spec" ] && uenv=(UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION")
	rm -f "$T/home/ready" "$T/home/st.log"
	$run strace -f -qq -o "$T/home/st.log" -P "$held" -e trace="$sys" \
		-e inject="$sys":delay_enter=2000000 \
		env "${uenv[@]}" \
		"$PYTHON" -B "$T/a.py" "$m/d/k" "$call" "$T/home/ready" \
		>"$T/a.out" 2>&1 &
	local a=$!
	local i=0
	while [ ! -e "$T/home/ready" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
	sleep 0.5	# A's lstat is done, its next call held
	$run env "${uenv[@]}" sh -c "rm '$m/d/k'; [ $how = rm ] || echo B >'$m/d/k'"
	wait "$a" || true
	printf '%s; %s; t:%s\n' "$(cat "$T/a.out")" \
		"$($run env "${uenv[@]}" cat "$m/d/k" 2>&1 | tr '\n' ' ')" \
		"$($run env "${uenv[@]}" sh -c "[ -e '$m/d/t' ] && echo yes || echo no")"
}

layers() {
	local d=$T/$1
	rm -rf "$d"
	mkdir -p "$d/upper" "$d/lower/d" "$d/work"
	echo lower >"$d/lower/d/low"
	[ "$1" = nobody ] && chown -R 65534:65534 "$d"
	return 0
}

expected() {
	case $1-$2 in
	append-rm) echo "A ok; A ; t:no" ;;
	append-file) echo "A ok; B A ; t:no" ;;
	stat-rm) echo "A: No such file or directory; cat: $3/d/k: No such file or directory ; t:no" ;;
	stat-file) echo "A ok; B ; t:no" ;;
	esac
}

run() {
	local who=$1 run=$2 d=$T/$1 spec call how out
	for call in append stat; do
		for how in rm file; do
			layers "$who"
			lowers_snapshot "$d/lower"
			spec=$(un_spec "$d/view" "$d/upper" "$d/lower")
			$run env UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
				ln -s t "$d/view/d/k"
			out=$(race "$who" "$run" "$call" "$how" \
				"$d/upper/d/k" "$spec" "$d/view" readlink)
			expect_eq "$who: A's $call of d/k while B's $how replaces the link" \
				"$(expected "$call" "$how" "$d/view")" "$out"
			grep -Eq '^[0-9]+ +readlink\(.* = -1 E(NOENT|INVAL) .*\(DELAYED\)' "$T/home/st.log" ||
				fail "$who $call $how: the race was not made (A's held readlink did not meet B's change): $(cat "$T/home/st.log")"
			lowers_check
		done
	done
}

# The kernel's answers, for the record (its call is held before its
# lookup: the name as B left it).
if is_root; then
	need_kernel_overlay
	for call in append stat; do
		for how in rm file; do
			layers kernel
			kernel_mount "$T/kernel/m" "$T/kernel/upper" "$T/kernel/work" "$T/kernel/lower"
			ln -s t "$T/kernel/m/d/k"
			sys=openat
			[ $call = stat ] && sys=newfstatat,stat,statx
			expect_eq "kernel: A's $call of d/k while B's $how replaces the link" \
				"$(expected "$call" "$how" "$T/kernel/m")" \
				"$(race kernel "" "$call" "$how" "$T/kernel/m/d/k" "" "$T/kernel/m" "$sys")"
			kernel_umount "$T/kernel/m"
		done
	done
fi
run_self_then_nobody run
un_done
