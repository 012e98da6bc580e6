#!/bin/bash
# execcount.sh - what one exec costs under libunion, in counts that a
# loaded machine does not move: page faults, system calls and user-space
# instructions an exec, for no preload, an empty preload, floor.py's empty
# .so of libunion's shape and libunion (issue 13's exec rows; bench/README.md
# "Session 18 (audit18)").
#
#   bench/execcount.sh [--work hello|true] [--n N] [--no-callgrind] LIB...
#
# A shell runs N execs (hello: `./bin/hello >/dev/null`, a binary lying in
# the lower, from a cwd in the view; true: /bin/true); each figure is the
# count of N execs minus the count of none, divided by N: faults by
# `perf stat -e page-faults` (a software event: works in a VM), calls by
# `strace -f -c`, instructions by callgrind of every process
# (--trace-children; N is then N/10, it is slow).  The empty .so and the
# floor are built from the first LIB; each further LIB (another build of
# libunion) gets a row of its own.  Layers and outputs go to a temporary
# directory under ${TMPDIR:-/tmp}, removed at the end.
set -eu
work=hello n=100 cg=1
while [ $# -gt 0 ]; do
	case $1 in
	--work) work=$2; shift 2 ;;
	--n) n=$2; shift 2 ;;
	--no-callgrind) cg=0; shift ;;
	-h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || { echo "usage: $0 [--work hello|true] [--n N] [--no-callgrind] LIB..." >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/execcount.XXXXXX")
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/L/bin" "$T/U"
printf '#include <stdio.h>\nint main(void){puts("hello");return 0;}\n' >"$T/hello.c"
cc -O2 -o "$T/L/bin/hello" "$T/hello.c"
echo 'void execcount_noop(void) {}' >"$T/noop.c"
cc -shared -fPIC -o "$T/noop.so" "$T/noop.c"
python3 "$here/floor.py" "$1" "$T/floor.so" >/dev/null
i=0
for lib in "$@"; do
	i=$((i + 1))
	cp "$lib" "$T/lib$i.so"	# the row keeps the library it was given
done

if [ "$work" = hello ]; then cmd='./bin/hello >/dev/null'; else cmd=/bin/true; fi

# run SYSTEM N TOOL...: the shell's loop under TOOL for SYSTEM
run() {
	local sys=$1 count=$2 dir=$T/L
	shift 2
	local -a env=(EXECCOUNT=1)
	case $sys in
	native) ;;
	noop|floor) env=("LD_PRELOAD=$T/$sys.so") ;;
	lib*) env=("LD_PRELOAD=$T/$sys.so" "UNION_LAYERS=$T/V=$T/U:$T/L")
	      dir=$T/V ;;
	esac
	# valgrind's own exec of each child is one libunion's exec policy
	# refuses by default (a static program): instrs allows it
	[ "${allow_unwrapped:-0}" = 1 ] && env+=(UNION_UNWRAPPED_EXEC=allow)
	env "${env[@]}" "$@" bash -c "cd $(printf %q "$dir") && for i in \$(seq $count); do $cmd; done" >/dev/null
}
faults() {
	run "$1" "$2" perf stat -x, -o "$T/pf" -e page-faults
	awk -F, '/page-faults/ {print $1}' "$T/pf"
}
calls() {
	run "$1" "$2" strace -f -c -o "$T/sc"
	awk '/total/ {print $4}' "$T/sc"
}
instrs() {
	rm -f "$T"/cg.*
	local allow_unwrapped=1
	run "$1" "$2" valgrind -q --tool=callgrind --trace-children=yes \
		--callgrind-out-file="$T/cg.%p" 2>/dev/null
	cat "$T"/cg.* | awk '/^summary:/ {s += $2} END {print s}'
}
per() { # COUNT(N) COUNT(0) N
	awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN {printf "%.2f", (a - b) / n}'
}

ncg=$(( n / 10 > 0 ? n / 10 : 1 ))
echo "execcount: $n x $cmd (callgrind: $ncg), $(date -u '+%F %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-10s %12s %12s %14s  %s\n' system faults/exec calls/exec instr/exec library
systems="native noop floor"
for j in $(seq $i); do systems="$systems lib$j"; done
j=0
for s in $systems; do
	case $s in lib*) j=$((j + 1)); name=${!j} ;; floor) name="floor.py $1" ;; *) name= ;; esac
	f=$(per "$(faults "$s" "$n")" "$(faults "$s" 0)" "$n")
	c=$(per "$(calls "$s" "$n")" "$(calls "$s" 0)" "$n")
	if [ $cg = 1 ]; then
		ins=$(per "$(instrs "$s" "$ncg")" "$(instrs "$s" 0)" "$ncg")
	else
		ins=-
	fi
	printf '%-10s %12s %12s %14s  %s\n' "$s" "$f" "$c" "$ins" "$name"
done
