# tests/edges/edgelib.sh - the shared helper of the hard-edge tests (issue 6).
#
# Sourced by every tests/edges/*.sh after tests/lib.sh (bash, `set -eu`, a
# private $T, fail/skip/expect_eq/un_done, un_run, lowers_snapshot).  These
# tests check libunion's own contract where a kernel overlay has nothing to
# compare with (static programs, signals, a full disk...).  Adds:
#
#	EDGEPROG     the built test programs of tests/edges (default: the
#	             build tree the test runs from, else the source tree)
#	EDGES_CC     a C compiler, for the programs built at run time (static,
#	             jemalloc, shared libraries); default cc
#	need_edgeprog NAME...  the programs must be built (a failure)
#	cc_build OUT SRC FLAGS...  compile a tests/edges source at run time
#	             into $T; returns 1 (and logs why) if the compiler fails
#	bounded SECS CMD...  run CMD, killed (with its process group) after
#	             SECS: status 137 is a hang
#	need_supervisor  the library and tools/union-supervise built (else
#	             a failure or a SKIP); UNION_SUPERVISOR set and exported
#	static_prog OUT SRC FLAGS...  cc_build OUT SRC -static FLAGS, made
#	             runnable by nobody; a SKIP when it cannot be linked
#	table_records UPPERDIR: what the whiteout table of UPPERDIR says, one
#	             "KIND PATH" a line (escapes left as they are), sorted
#	make_procs_layers DIR, make_stress_layers DIR: DIR/upper and DIR/lower
#	             as the procs program expects them (see procs.c)
#	drv_start CMD..., drv OP PATH, drv_stop: a long-running process of a
#	             union (driver.py) to act on between two of its calls
#	rt_first LIST: LIST (an LD_PRELOAD value) after the ASan runtime in a
#	             sanitizer build (LIST itself otherwise): for a child
#	             whose environment loses ASAN_OPTIONS, where the runtime
#	             must be the first preload

. "${TOP_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/lib.sh"

if [ -z "${EDGEPROG:-}" ]; then
	if [ -x "$PWD/tests/edges/procs" ]; then
		EDGEPROG=$PWD/tests/edges
	else
		EDGEPROG=$TOP_SRCDIR/tests/edges
	fi
fi
: "${EDGES_CC:=cc}"
EDGESRC=$TOP_SRCDIR/tests/edges
export EDGEPROG EDGES_CC EDGESRC
unset UNION_UNWRAPPED_EXEC 2>/dev/null || true

rt_first() { printf '%s' "${UN_PRELOAD_FIRST:+$UN_PRELOAD_FIRST }$1"; }

need_edgeprog() {
	local p
	for p; do
		if [ ! -x "$EDGEPROG/$p" ]; then
			fail "the test program $EDGEPROG/$p is not built (make check builds it)"
			un_done
		fi
	done
}

# cc_build OUT SRC FLAGS...: compile $EDGESRC/SRC into $T/OUT.
cc_build() {
	local out=$1 src=$2
	shift 2
	if ! "$EDGES_CC" -o "$T/$out" "$EDGESRC/$src" "$@" >"$T/cc-$out.log" 2>&1; then
		un_log "cc_build: $EDGES_CC -o $out $src $*: $(head -c 600 "$T/cc-$out.log")"
		return 1
	fi
}

# bounded SECS CMD...: a hang is a failure, never a stuck `make check`.
bounded() {
	local secs=$1
	shift
	timeout -s KILL "$secs" "$@"
}

# need_supervisor: the prologue of the scenarios run under the seccomp
# supervisor (supervise-*.sh): no harness, the library built, and the
# supervisor beside it (tools/ of the build tree the library is in).
need_supervisor() {
	need_harness_off
	need_lib || un_done
	: "${UNION_SUPERVISOR:=$(cd "$(dirname "$LIBUNION_SO")/../.." && pwd)/tools/union-supervise}"
	[ -x "$UNION_SUPERVISOR" ] || skip "no supervisor built: $UNION_SUPERVISOR"
	export UNION_SUPERVISOR
}

# static_prog OUT SRC FLAGS...: $EDGESRC/SRC linked -static into $T/OUT,
# which nobody can reach and run; a SKIP when the static link fails (a
# machine without libc6-dev's libc.a is not a failure of the library).
static_prog() {
	local out=$1 src=$2
	shift 2
	cc_build "$out" "$src" -static "$@" ||
		skip "cannot link $src static ($EDGES_CC -static; libc6-dev's libc.a missing?)"
	chmod 755 "$T" "$T/$out"
}

# table_records UPPERDIR: replay UPPERDIR/.union/whiteouts (see lib.sh's
# whiteout_records, which takes the parent of the upper).
table_records() {
	local f=$1/.union/whiteouts
	[ -f "$f" ] || return 0
	[ "$(head -n1 "$f")" = "libunion-whiteouts 1" ] || {
		un_log "table_records: unknown header in $f"
		return 1
	}
	tail -n +2 "$f" | awk '
		{ k = substr($0, 1, 1); p = substr($0, 3)
		  if (k == "-") delete r[p]; else r[p] = k }
		END { for (p in r) print r[p] " " p }' | LC_ALL=C sort
}

# make_procs_layers DIR: the layers of tests/edges/procs.c.
make_procs_layers() {
	local d=$1 i t
	mkdir -p "$d/upper" "$d/lower/bin"
	printf 'hello\n' >"$d/lower/f"
	cp /bin/cat "$d/lower/bin/cat"
	mkfifo "$d/lower/fifo"
	echo g >"$d/lower/vf-g"
	echo h >"$d/lower/vf-h"
	for i in $(seq 0 399); do echo c >"$d/lower/c$i"; done
	for t in 0 1 2 3 9; do echo lw >"$d/lower/lw$t"; done
}

# make_stress_layers DIR: the layers of `procs stress`.
# procs_union: the layers the procs program expects in $T/d, M=$T/m, and
# the lowers snapshotted for lowers_check.
procs_union() {
	make_procs_layers "$T/d"
	M=$T/m
	lowers_snapshot "$T/d/lower"
}

# procs_run SECONDS DIR MODE ARG...: tests/edges/procs MODE "$M" ARG... in
# the union at $M of DIR/upper over DIR/lower, killed after SECONDS (137: it
# hung).  PROCS_EXPECT, when set (as `PROCS_EXPECT=F procs_run ...`), names
# the file where the program writes what another process must see.
procs_run() {
	local bound=$1 d=$2 mode=$3
	shift 3
	bounded "$bound" env UNION_LAYERS="$(un_spec "$M" "$d/upper" "$d/lower")" \
		LD_PRELOAD="$LIBUNION" ${PROCS_EXPECT:+PROCS_EXPECT="$PROCS_EXPECT"} \
		"$EDGEPROG/procs" "$mode" "$M" "$@"
}

make_stress_layers() {
	local d=$1 i t
	mkdir -p "$d/upper" "$d/lower/bin"
	printf 'hello\n' >"$d/lower/f"
	cp /bin/cat "$d/lower/bin/cat"
	(cd "$d/lower" && for i in $(seq 0 999); do : >"fk$i"; done
	 for t in 0 1 2 3; do for i in $(seq 0 63); do : >"k${t}_$i"; done; done)
}

# drv_start CMD...: start tests/edges/driver.py as a coprocess (under
# CMD, e.g. un_run ... --), its stderr in $DRV_ERR;
# drv CMD: send one command, print its answer (or "no answer" after 20 s).
DRV_ERR=$T/driver.err
drv_start() {
	: >"$DRV_ERR"
	coproc DRIVER { "$@" "$PYTHON" -u "$EDGESRC/driver.py" 2>>"$DRV_ERR"; }
	DRV_IN=${DRIVER[1]}
	DRV_OUT=${DRIVER[0]}
	UN_BG_PIDS+=("$DRIVER_PID")
}

drv() {
	local line
	printf '%s\n' "$*" >&"$DRV_IN"
	if IFS= read -r -t 20 line <&"$DRV_OUT"; then
		printf '%s\n' "$line"
	else
		printf 'no answer to %s\n' "$*"
	fi
}

# drv_stop: end the coprocess; its exit status (a crash shows here).
drv_stop() {
	local rc=0
	printf 'exit\n' >&"$DRV_IN" 2>/dev/null || true
	wait "$DRIVER_PID" || rc=$?
	return "$rc"
}
