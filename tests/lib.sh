# tests/lib.sh - the shared helper of the integration scenarios.
#
# Sourced by every tests/integration/*.sh (bash, `set -eu`).  A scenario
# builds layers, runs the same steps over a kernel overlay mount of one
# copy of them and under libunion over another copy, and compares what the
# steps printed and the merged tree left behind:
#
#	. "$TOP_SRCDIR/tests/lib.sh"
#	setup() { make_rich_tree "$1"; }	# fills $1/upper, $1/lower1..
#	action() { step 'cat "$M/common.txt"'; step 'rm "$M/only3.txt"'; }
#	compare_kernel_union NAME setup action [check]
#	un_done
#
# Environment (set by `make check` through AM_TESTS_ENVIRONMENT; the
# defaults suit a run by hand from an in-tree build):
#	LIBUNION     the library (default TOP/preload/.libs/libunion.so)
#	TESTPROG     the test programs (default TOP/tests/prog)
#	TOP_SRCDIR   the source tree (default: the parent of this file)
#	UN_KEEP=1    keep the temporary directory (its path is printed)
#	UN_VERBOSE=1 print both transcripts even when they agree
#	UN_HARNESS   test the harness itself: `kernel` runs the "union" side
#	             on a second kernel mount (everything must pass as root),
#	             `kernel-wrong` does the same after planting a stray file
#	             in the union copy's upper (every comparison must fail).
#
# Exit status of a scenario: 0 pass, 1 fail, 77 skip (automake's rules).

set -eu

: "${TOP_SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${LIBUNION:=$TOP_SRCDIR/preload/.libs/libunion.so}"
# A sanitizer build needs the ASan runtime first in LD_PRELOAD: LIBUNION
# becomes the whole preload list, and LIBUNION_SO the library itself.
LIBUNION_SO=$LIBUNION
if [ -n "${UN_PRELOAD_FIRST:-}" ] && [ "${LIBUNION#"$UN_PRELOAD_FIRST"}" = "$LIBUNION" ]; then
	LIBUNION="$UN_PRELOAD_FIRST $LIBUNION"
fi
: "${TESTPROG:=$TOP_SRCDIR/tests/prog}"
: "${UN_HARNESS:=}"
export TOP_SRCDIR LIBUNION TESTPROG

# The outputs compared must not depend on the locale or the time zone.
export LC_ALL=C TZ=UTC
unset LANGUAGE UNION_LAYERS LD_PRELOAD 2>/dev/null || true

# A python that every user can run (not a per-user shim).
if [ -x /usr/bin/python3 ]; then
	PYTHON=/usr/bin/python3
else
	PYTHON=$(command -v python3 || echo python3)
fi
export PYTHON

UN_NAME=$(basename "$0" .sh)
UN_FAILS=0
UN_SKIPPED=0
UN_DONE=0
UN_MOUNTS=()
UN_BG_PIDS=()
UN_SNAP_DIRS=()
UN_SNAP_N=0

# The fixed time every layer entry gets (the copies must look alike).
UN_FIXED_TIME=@1600000000

# ------------------------------------------------------------------
# Reporting

un_log() { printf '%s\n' "$*" >&2; }

# fail MSG: record a failure (the scenario goes on, and exits 1 at the end).
fail() {
	UN_FAILS=$((UN_FAILS + 1))
	printf 'FAIL: %s: %s\n' "$UN_NAME" "$*" >&2
}

# skip REASON: the scenario cannot run here; exit 77 at once.
skip() {
	if [ "$UN_FAILS" -gt 0 ]; then
		printf 'FAIL: %s: %d check(s) failed before a skip (%s)\n' \
			"$UN_NAME" "$UN_FAILS" "$*" >&2
		exit 1
	fi
	UN_SKIPPED=1
	printf '\nSKIP: %s: %s\n\n' "$UN_NAME" "$*" >&2
	exit 77
}

# un_done: the last line of every scenario.
un_done() {
	UN_DONE=1
	if [ "$UN_FAILS" -gt 0 ]; then
		printf '%s: %d check(s) failed\n' "$UN_NAME" "$UN_FAILS" >&2
		exit 1
	fi
	printf 'PASS: %s\n' "$UN_NAME"
	exit 0
}

# ------------------------------------------------------------------
# The private temporary directory and the cleanup

T=$(mktemp -d "${TMPDIR:-/tmp}/libunion-$UN_NAME.XXXXXX")
# Traversable by uid 65534 (the as-nobody steps); nothing secret in it.
chmod 755 "$T"
mkdir -m 1777 "$T/home"
export T

# In a sanitizer build (UN_PRELOAD_FIRST, the ASan runtime) a report ends
# the process that made it with status 86 (ASAN_OPTIONS, UBSAN_OPTIONS in
# tests/integration/local.mk), which the comparisons and checks see.  (No
# log_path: ASan makes its directories with mkdir during its own start-up,
# which libunion's instrumented mkdir cannot serve yet: a crash.)  Where a
# test ignores what a process said and its status, it greps its stderr
# for UN_SAN_REPORT_RE:
. "$TOP_SRCDIR/tests/san_report.sh"

# The canary: a call that escapes the layers by way of a descriptor it
# takes for another (fd 0 is /dev/null under make check) changes the
# real /dev/null.  Once seen (mode 0640, 2026-12-05, during a session's
# development); every test now fails while it is so.
un_check_dev_null() {
	local now
	now=$(stat -c '%F %t:%T %a %u' /dev/null 2>&1)
	[ "$now" = "character special file 1:3 666 0" ] && return 0
	un_log "FAIL: $UN_NAME: /dev/null is not the null device of mode 0666 any more ($now): a call escaped the layers"
	return 1
}

# un_is_child PID: PID is still a child of this shell.  A background
# process waited for long ago may have left its number to another
# process: pid_max (32768 here) wraps within a busy `make check`, and
# un_cleanup's kill of a reused number once killed a sibling test's
# shell (session 17's CI: edges/lowers-never-written "Killed").
un_is_child() {
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	st=${st##*) }
	set -- $st
	[ "${2:-}" = "$BASHPID" ]
}

un_cleanup() {
	local rc=$? i
	set +e
	un_check_dev_null || UN_FAILS=$((UN_FAILS + 1))
	for i in "${UN_BG_PIDS[@]}"; do
		un_is_child "$i" && kill -9 "$i" 2>/dev/null
	done
	[ -z "${UN_WATCHDOG_PID:-}" ] || kill "$UN_WATCHDOG_PID" 2>/dev/null
	for ((i = ${#UN_MOUNTS[@]} - 1; i >= 0; i--)); do
		umount "${UN_MOUNTS[i]}" 2>/dev/null ||
			umount -l "${UN_MOUNTS[i]}" 2>/dev/null
	done
	if [ "${UN_KEEP:-0}" = 1 ]; then
		un_log "kept $T"
	else
		rm -rf "$T" 2>/dev/null || { sleep 1; rm -rf "$T"; }
	fi
	# A skip is only a skip when skip() said so, and a failure recorded
	# by fail() is never an exit 0.
	if [ "$rc" = 77 ] && [ "$UN_SKIPPED" != 1 ]; then
		un_log "FAIL: $UN_NAME: exit status 77 without a skip"
		rc=1
	fi
	if [ "$rc" = 0 ] && [ "$UN_FAILS" -gt 0 ]; then
		rc=1
	fi
	if [ "$rc" != 0 ] && [ "$rc" != 77 ] && [ "$UN_DONE" != 1 ]; then
		un_log "FAIL: $UN_NAME: the scenario stopped early (status $rc)"
	fi
	exit "$rc"
}
trap un_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The watchdog: a scenario still running after UN_TEST_TIMEOUT seconds
# (1,200) has a step that hung; every process below the scenario's shell
# is killed, then the shell (TERM: un_cleanup unmounts and says FAIL).
# One forked shell a scenario sleeping in `read -t`, where a `timeout`
# process around each step was a tenth of a scenario's processes (28
# of a seven-step scenario's ~280: CI is bound by process creation).
_un_watchdog() {
	local fd _
	exec {fd}<> <(:)	# (a pipe no one writes: read -t sleeps)
	read -r -t "${UN_TEST_TIMEOUT:-1200}" -u "$fd" _ && return
	printf 'FAIL: %s: still running after %s s (a step hung?): its processes killed\n' \
		"$UN_NAME" "${UN_TEST_TIMEOUT:-1200}" >&2
	_un_kill_below $$ STOP
	_un_kill_below $$ KILL
	kill -TERM $$ 2>/dev/null
}

# _un_kill_below PID SIG: SIG to PID's descendants but this shell (read
# from /proc/*/stat: this kernel has no /proc/PID/task/TID/children).
_un_kill_below() {
	local -A kids=()
	local f line pid ppid todo=("$1") found=()
	for f in /proc/[0-9]*/stat; do
		{ read -r line <"$f"; } 2>/dev/null || continue
		ppid=${line##*) }
		ppid=${ppid#* }
		ppid=${ppid%% *}
		pid=${f#/proc/}
		kids[$ppid]+=" ${pid%/stat}"
	done
	while [ ${#todo[@]} -gt 0 ]; do
		pid=${todo[0]}
		todo=("${todo[@]:1}")
		for f in ${kids[$pid]-}; do
			[ "$f" = "$BASHPID" ] && continue
			found+=("$f")
			todo+=("$f")
		done
	done
	[ ${#found[@]} = 0 ] || kill -"$2" "${found[@]}" 2>/dev/null
}
_un_watchdog &
UN_WATCHDOG_PID=$!

# ------------------------------------------------------------------
# Preconditions

# (bash's EUID: no id process, need_root runs for every mount.)
is_root() { [ "${EUID:-$(id -u)}" = 0 ]; }

need_root() {
	is_root || skip "needs root (${1:-a kernel overlay mount to compare with})"
}

# need_harness_off: scenarios of libunion's own behaviour (configuration
# errors and the like) have no kernel equivalent for UN_HARNESS.
need_harness_off() {
	[ -z "$UN_HARNESS" ] || skip "not applicable with UN_HARNESS=$UN_HARNESS"
}

# need_cmd CMD...: skip unless every command is installed.
need_cmd() {
	local c
	for c; do
		command -v "$c" >/dev/null 2>&1 ||
			skip "needs the command '$c' (not installed)"
	done
}

# need_kernel_overlay: root, and a kernel that mounts overlayfs here.
need_kernel_overlay() {
	need_root
	[ -e "$T/.overlay-ok" ] && return 0
	local d=$T/.overlay-probe
	mkdir -p "$d/l" "$d/u" "$d/w" "$d/m"
	if ! mount -t overlay overlay \
		-o "lowerdir=$d/l,upperdir=$d/u,workdir=$d/w" "$d/m" 2>"$d/err"; then
		skip "the kernel refuses an overlay mount: $(cat "$d/err")"
	fi
	umount "$d/m"
	rm -rf "$d"
	: >"$T/.overlay-ok"
}

# need_no_sanitizer REASON: a test that cannot run against a sanitizer
# build of the library skips there, loudly, saying why.
need_no_sanitizer() {
	[ -z "${UN_PRELOAD_FIRST:-}" ] || skip "$* (sanitizer build)"
}

# need_prog NAME...: the test programs must be built (a failure, not a skip:
# `make check` builds them).
need_prog() {
	local p
	for p; do
		if [ ! -x "$TESTPROG/$p" ]; then
			fail "the test program $TESTPROG/$p is not built (make check builds it)"
			un_done
		fi
	done
}

# need_lib: the library must exist (its absence is a failure, not a skip).
need_lib() {
	case $UN_HARNESS in kernel*) return 0 ;; esac
	if [ ! -f "$LIBUNION_SO" ]; then
		fail "libunion is not built: $LIBUNION_SO does not exist"
		return 1
	fi
}

# ------------------------------------------------------------------
# Running under the library

# un_escape PATH: escape `\ : ; =` as UNION_LAYERS wants.
# (In bash, not sed: un_spec runs for every step of every scenario.)
# _un_escape_to VAR PATH: VAR=PATH escaped (VAR must not be _un_esc).
_un_escape_to() {
	local _un_esc=${2//\\/\\\\}
	_un_esc=${_un_esc//:/\\:}
	_un_esc=${_un_esc//;/\\;}
	printf -v "$1" '%s' "${_un_esc//=/\\=}"
}
un_escape() {
	local e
	_un_escape_to e "$1"
	printf '%s' "$e"
}

# un_spec MERGED UPPER LOWER...: one mount of UNION_LAYERS.
# _un_spec_to VAR MERGED UPPER LOWER...: the same into VAR (no subshell:
# every step under the library needs it).
_un_spec_to() {
	local _un_s _un_e _un_l _un_var=$1
	_un_escape_to _un_s "$2"
	_un_escape_to _un_e "$3"
	_un_s=$_un_s=$_un_e
	shift 3
	for _un_l; do
		_un_escape_to _un_e "$_un_l"
		_un_s=$_un_s:$_un_e
	done
	printf -v "$_un_var" '%s' "$_un_s"
}
un_spec() {
	local s
	_un_spec_to s "$@"
	printf '%s' "$s"
}

# un_run MERGED UPPER LOWER... -- CMD...: run CMD under libunion.
# An empty UPPER makes the union read-only.
un_run() {
	local layers=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		layers+=("$1")
		shift
	done
	if [ $# -eq 0 ] || [ ${#layers[@]} -lt 3 ]; then
		un_log "un_run: usage: un_run MERGED UPPER LOWER... -- CMD..."
		return 2
	fi
	shift
	case $UN_HARNESS in
	kernel*)
		_un_run_kernel "${layers[@]}" -- "$@"
		return
		;;
	esac
	if [ ! -f "$LIBUNION_SO" ]; then
		un_log "un_run: libunion is not built: $LIBUNION_SO"
		return 127
	fi
	local _un_spec	# (a name no caller's function uses)
	_un_spec_to _un_spec "${layers[@]}"
	UNION_LAYERS=$_un_spec LD_PRELOAD=$LIBUNION "$@"
}

# Self-test of the harness: the same call, answered by a kernel mount.
_un_run_kernel() {
	local m=$1 u=$2
	shift 2
	local lowers=()
	while [ "$1" != -- ]; do
		lowers+=("$1")
		shift
	done
	shift
	local w=
	[ -n "$u" ] && w=$(dirname "$u")/.harness-work.$(basename "$u")
	kernel_mount "$m" "$u" "$w" "${lowers[@]}" || return 125
	local rc=0
	"$@" || rc=$?
	kernel_umount "$m"
	return "$rc"
}

# as_nobody CMD...: run CMD as uid/gid 65534 (as root), else as oneself.
as_nobody() {
	if is_root; then
		setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
	else
		"$@"
	fi
}

# run_self_then_nobody FN: the two passes of a scenario: FN self ""
# (as the caller), then, as root, FN nobody as_nobody (FN builds its
# layers owned by 65534 for that pass and runs its processes through
# its second argument); without root, a SKIP line for the second pass.
run_self_then_nobody() {
	"$1" self ""
	UN_RAN_SELF=1
	if _un_nobody_left "$1"; then
		:
	elif is_root; then
		"$1" nobody as_nobody
	else
		echo "SKIP: the pass as nobody needs root"
	fi
}

# _un_nobody_left NAME: true (and a SKIP line) when this pass as nobody
# is left to the plain pass: UN_SKIP_NOBODY=1 (CI's sanitizer pass, where
# every process loaded with the ASan runtime costs ~30 ms of CPU and
# ~1,000 page faults) and the scenario ran a pass as root already.  The
# plain pass ran it as nobody against the kernel on the same code; under
# the sanitizer the unprivileged paths run in the differential tester's
# pass as the user (run-ci-user.sh) and in the scenarios that run as
# nobody only.
_un_nobody_left() {
	[ "${UN_SKIP_NOBODY:-0}" = 1 ] && [ "${UN_RAN_SELF:-0}" = 1 ] || return 1
	echo "SKIP: $1: the pass as nobody (UN_SKIP_NOBODY=1: the plain pass ran it)"
	return 0
}

# pass_ran NAME: compare_kernel_union ran the pass NAME (not left to the
# plain pass: _un_nobody_left), so that what a scenario reads of it after
# (its $T/NAME/*.out) is there.
pass_ran() { [ -d "$T/$1" ]; }

# ------------------------------------------------------------------
# Counting system calls (the *-calls scenarios)

# need_strace: what a scenario that counts libunion's system calls
# needs: strace, allowed to trace here (a container may refuse ptrace:
# a SKIP), the library built (a failure), and libunion itself, not the
# harness's kernel stand-in (UN_HARNESS: a SKIP).  Called before the
# first count_calls, outside any $(...): a skip in a subshell would end
# only the subshell.
need_strace() {
	need_cmd strace
	need_lib
	need_harness_off
	[ "${_un_strace_ok:-0}" = 1 ] && return 0
	strace -f -qq -o /dev/null true 2>/dev/null ||
		skip "strace cannot trace here (ptrace refused)"
	_un_strace_ok=1
}

# need_strace_delay CALL: need_strace, and strace able to hold CALL
# (-e inject=CALL:delay_enter=): the race scenarios hold one process's
# call while another goes on.
need_strace_delay() {
	need_strace
	strace -f -qq -o /dev/null -e inject="$1":delay_enter=1 true 2>/dev/null ||
		skip "strace cannot delay $1 here (strace too old)"
}

# count_calls [-c] [-e CALLS] [-n] FILE MERGED UPPER LOWER... -- CMD...:
# CMD run under libunion (the union MERGED of UPPER and LOWER...) and
# strace -f -qq, its trace written to FILE: -e, of the calls CALLS only
# (strace's -e trace=CALLS); -c, strace's summary instead, a line
# "NAME CALLS" a call made (-U name,calls: `awk '$1 == "openat" { print
# $2 }' FILE`); -n, as the user nobody (setpriv).  The library comes in
# with CMD, after strace and setpriv (a root setpriv loaded with it
# could make the upper's .union/ root's), by env, whose own start-up is
# in the trace (the same calls whatever CMD).  CMD's status.
count_calls() {
	local opts=(-f -qq) who=() file layers=() _un_spec
	while [ $# -gt 0 ]; do
		case $1 in
		-c) opts+=(-c -U name,calls) ;;
		-e) opts+=(-e "trace=$2"); shift ;;
		-n) who=(setpriv --reuid=65534 --regid=65534 --clear-groups --) ;;
		*) break ;;
		esac
		shift
	done
	file=${1-}
	[ $# -gt 0 ] && shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		layers+=("$1")
		shift
	done
	if [ $# -lt 2 ] || [ ${#layers[@]} -lt 3 ] || [ -z "$file" ]; then
		un_log "count_calls: usage: count_calls [-c] [-e CALLS] [-n] FILE MERGED UPPER LOWER... -- CMD..."
		return 2
	fi
	shift
	need_strace
	_un_spec_to _un_spec "${layers[@]}"
	strace "${opts[@]}" -o "$file" "${who[@]}" \
		env UNION_LAYERS="$_un_spec" LD_PRELOAD="$LIBUNION" "$@"
}

# ------------------------------------------------------------------
# One program as the user nobody, over the kernel's mount and libunion

# nobody_kernel_union BUILD SCRIPT: the Python SCRIPT (its argument the
# merged path; tests/prog importable, as fdlist.py) run from / as the
# user nobody over a kernel overlay mount of the layers `BUILD DIR`
# makes (DIR/upper, DIR/lower1, the mount point DIR/m; DIR is $T/k),
# then under libunion over a second copy ($T/u): what each printed, its
# errors too, in UN_KOUT and UN_UOUT (and shown on stderr).
# UN_KU_LOWERS: the lowers' names in DIR, top first (default lower1).
nobody_kernel_union() {
	local build=$1 script=$2 py=(env PYTHONPATH="$TOP_SRCDIR/tests/prog")
	local lows=(${UN_KU_LOWERS:-lower1})
	"$build" "$T/k"
	kernel_mount "$T/k/m" "$T/k/upper" "$T/k/work" "${lows[@]/#/$T/k/}"
	UN_KOUT=$(cd / && as_nobody "${py[@]}" "$PYTHON" -B "$script" "$T/k/m" 2>&1) || true
	kernel_umount "$T/k/m"
	"$build" "$T/u"
	UN_UOUT=$(cd / && as_nobody "${py[@]}" \
		UNION_LAYERS="$(un_spec "$T/u/m" "$T/u/upper" "${lows[@]/#/$T/u/}")" \
		LD_PRELOAD="$LIBUNION" "$PYTHON" -B "$script" "$T/u/m" 2>&1) || true
	printf 'kernel:\n%s\nlibunion:\n%s\n' "$UN_KOUT" "$UN_UOUT" >&2
}

# expect_kernel_or_eacces PREFIX WHAT: after nobody_kernel_union, each
# of the kernel's lines that begins with PREFIX and a blank ("NAME
# listdir ['a']") is libunion's too, or there answers EACCES ("NAME
# listdir EACCES"): never another answer (fewer names).
expect_kernel_or_eacces() {
	local kl what ul
	while read -r kl; do
		what=${kl% \[*}
		ul=$(grep -F -x -e "$kl" -e "$what EACCES" <<<"$UN_UOUT" || true)
		expect_true "$2: '$what' lists the kernel's names or fails" \
			[ -n "$ul" ]
	done < <(grep "^$1 " <<<"$UN_KOUT")
}

# ------------------------------------------------------------------
# Kernel overlay mounts

# _un_kesc_to VAR PATH: VAR=PATH escaped for the overlay mount options
# (`\ : ,`; in bash, not sed: a mount has up to five such paths).
_un_kesc_to() {
	local _un_k=${2//\\/\\\\}
	_un_k=${_un_k//:/\\:}
	printf -v "$1" '%s' "${_un_k//,/\\,}"
}

# kernel_mount MERGED UPPER WORK LOWER...: mount overlayfs (root only).
# An empty UPPER mounts read-only (lowers only).  UN_KERNEL_OPTS adds
# options (e.g. userxattr).
kernel_mount() {
	need_root
	local m=$1 u=$2 w=$3 lo= l e
	shift 3
	for l; do
		_un_kesc_to e "$l"
		lo=${lo:+$lo:}$e
	done
	local opts="lowerdir=$lo"
	if [ -n "$u" ]; then
		mkdir -p "$u" "$w"
		_un_kesc_to e "$u"
		opts="$opts,upperdir=$e"
		_un_kesc_to e "$w"
		opts="$opts,workdir=$e"
	fi
	opts="$opts${UN_KERNEL_OPTS:+,$UN_KERNEL_OPTS}"
	mkdir -p "$m"
	if ! mount -t overlay overlay -o "$opts" "$m"; then
		fail "kernel mount of $m failed (-o $opts)"
		return 1
	fi
	UN_MOUNTS+=("$m")
}

# kernel_umount [MERGED]: unmount MERGED (default: the last mount).
kernel_umount() {
	local n=${#UN_MOUNTS[@]} i
	[ "$n" -gt 0 ] || return 0
	local m=${1:-${UN_MOUNTS[n - 1]}}
	umount "$m" || umount -l "$m"
	local keep=()
	for i in "${UN_MOUNTS[@]}"; do
		[ "$i" = "$m" ] || keep+=("$i")
	done
	UN_MOUNTS=("${keep[@]+"${keep[@]}"}")
}

# ------------------------------------------------------------------
# Describing trees

# listing [-o] DIR: a deterministic description of the tree under DIR,
# one line a path (sorted): type, mode, [-o: owner], for files the size,
# link count and sha256, for other non-directories the link count, for
# symlinks the target.  No inode or device numbers, times, or directory
# sizes and link counts: those legitimately differ.  Self-contained (only
# find, sha256sum, awk, sort), so that it can run under the library:
# `un_run ... -- bash -c "$(declare -f listing _un_listing_walk
# _un_listing_fmt); listing DIR"`.
listing() {
	local own=0
	if [ "${1-}" = -o ]; then
		own=1
		shift
	fi
	(
		cd -- "$1" || exit 1
		_un_listing_walk | _un_listing_fmt "$own"
	)
}

# listing's walk of the cwd (the part that needs the view): an E line an
# entry, and a sha256sum line a regular file (in any order: the format
# reads them all first).  One find for both (a process fewer under the
# library).  Its status is 0: what it cannot read shows in the lines.
_un_listing_walk() {
	LC_ALL=C find . -printf 'E\t%p\t%y\t%m\t%n\t%U:%G\t%s\t%l\n' \
		\( -type f -exec sha256sum -- {} + \)
	return 0
}

# _un_listing_fmt OWN: listing's lines from its walk's (OWN=1: owners).
_un_listing_fmt() {
	LC_ALL=C awk -F '\t' -v own="$1" '
		$1 == "E" { n++; p[n] = $2; t[n] = $3; m[n] = $4
			nl[n] = $5; o[n] = $6; s[n] = $7; l[n] = $8; next }
		{ h[substr($0, 67)] = substr($0, 1, 64) }
		END {
			for (i = 1; i <= n; i++) {
				q = p[i]; sub(/^\.\//, "", q)
				line = q " " t[i]
				if (t[i] != "l") line = line " " m[i]
				if (own) line = line " " o[i]
				if (t[i] == "f")
					line = line " size=" s[i] " nlink=" nl[i] \
					    " sha256=" (p[i] in h ? h[p[i]] : "UNREADABLE")
				else if (t[i] != "d")
					line = line " nlink=" nl[i]
				if (t[i] == "l") line = line " -> " l[i]
				print line
			}
		}' | LC_ALL=C sort
}

# lowers_snapshot DIR...: remember the state of each DIR (everything but
# atimes: tests/tree_state.py, one process for all the DIRs) ...
lowers_snapshot() {
	local d args=()
	[ $# -gt 0 ] || return 0
	[ -d "$T/.snap" ] || mkdir -p "$T/.snap"
	for d; do
		UN_SNAP_N=$((UN_SNAP_N + 1))
		UN_SNAP_DIRS+=("$UN_SNAP_N:$d")
		args+=("$T/.snap/$UN_SNAP_N" "$d")
	done
	"$PYTHON" -S "$TOP_SRCDIR/tests/tree_state.py" "${args[@]}" ||
		fail "harness: tree_state.py could not snapshot $*"
}

# lowers_check: ... and fail for each one that changed since.
lowers_check() {
	local e args=() changed rc=0 out d
	for e in "${UN_SNAP_DIRS[@]+"${UN_SNAP_DIRS[@]}"}"; do
		args+=("$T/.snap/${e%%:*}" "${e#*:}")
	done
	UN_SNAP_DIRS=()
	[ ${#args[@]} -gt 0 ] || return 0
	# (It prints "OUT<tab>DIR" for each DIR that changed, status 1.)
	changed=$("$PYTHON" -S "$TOP_SRCDIR/tests/tree_state.py" --check "${args[@]}") || rc=$?
	if [ "$rc" != 0 ] && [ -z "$changed" ]; then
		fail "harness: tree_state.py --check failed (status $rc)"
	fi
	[ -n "$changed" ] || return 0
	while IFS=$'\t' read -r out d; do
		fail "a lower changed: $d"
		diff -u "$out" "$out.after" | head -n 40 >&2
	done <<<"$changed"
}

# ------------------------------------------------------------------
# Building layers

# fix_times DIR: give every entry modified since 2005 the fixed time, so
# that the two copies of a layer set look alike (older times, set on
# purpose by a setup, are kept).
# (Within a setup that compare_kernel_union fixes the times of after it,
# UN_TIMES_AFTER: nothing to do below that directory; two processes a
# side of a pass.)
fix_times() {
	[ -n "${UN_TIMES_AFTER:-}" ] && [[ $1/ == "$UN_TIMES_AFTER"/* ]] && return 0
	find "$1" -newermt 2005-01-01 -exec touch -h -d "$UN_FIXED_TIME" {} +
}

# The setups build thousands of files a run: mkf, mkd and mkl start no
# process they can do without (no dirname, no mkdir of a parent that is
# there, no chmod to the mode the umask gave a new object), which took
# about a third of a scenario's time.
_un_umask=$(umask)

# _un_parent PATH: make PATH's parent directory unless it is there.
_un_parent() {
	local dir=${1%/*}
	[ "$dir" = "$1" ] || [ -z "$dir" ] || [ -d "$dir" ] || mkdir -p -- "$dir"
}

# mkf PATH MODE [TEXT]: a file holding TEXT and a newline (parents made).
# A new file of a mode without x bits (0644, 0444, 0600, 0640...) gets it
# from the umask it is created under (bash's 0666 less the umask), not
# from a chmod.
mkf() {
	local new=0
	_un_parent "$1"
	[ -e "$1" ] || [ -L "$1" ] || new=1
	if [ $new = 1 ] && [[ $2 =~ ^0?[0246][0246][0246]$ ]]; then
		local um
		printf -v um '%04o' $((0666 & ~8#$2))
		umask "$um"
		printf '%s\n' "${3-$1}" >"$1"
		umask "$_un_umask"
		return
	fi
	printf '%s\n' "${3-$1}" >"$1"
	if [ $new = 0 ] || [ "$2" != 644 ] || [ "$_un_umask" != 0022 ]; then
		chmod "$2" -- "$1"
	fi
}

# mkd PATH [MODE]: a directory (a new one made with its mode: mkdir -m).
mkd() {
	if [ ! -d "$1" ]; then
		_un_parent "$1"
		mkdir -m "${2:-755}" -- "$1"
	else
		chmod "${2:-755}" -- "$1"
	fi
}

# mkl TARGET PATH: a symlink.
mkl() {
	_un_parent "$2"
	ln -s -- "$1" "$2"
}

# make_seed_tree DIR: the layers of shared/seed-walkthrough.md.
make_seed_tree() {
	mkdir -p "$1/upper" "$1/lower1"
	echo "I'm from lower!" >"$1/lower1/in_lower.txt"
	echo "I'm from upper!" >"$1/upper/in_upper.txt"
	echo "I'm from lower!" >"$1/lower1/in_both.txt"
	echo "I'm from upper!" >"$1/upper/in_both.txt"
}

# make_rich_tree DIR: an upper and three lowers with most of what a tree
# can hold: files of modes 0600 0644 0755 0444, nested and empty
# directories, relative, absolute (under $M), dangling and looping
# symlinks, names in several layers (a file over a directory and the
# other way round), a hard link, names with spaces.  Needs $M.
make_rich_tree() {
	local d=$1
	local u=$d/upper l1=$d/lower1 l2=$d/lower2 l3=$d/lower3
	# (The parents that mkf would make one process each, in one; not
	# the directories mkd makes: it sets the mode of one it finds.)
	mkdir -p "$u/dir" "$u/shape2" "$l1/dir/sub" "$l1/dir with space" \
		"$l2/dir/sub" "$l2/shape1" "$l2/private" "$l2/bin" \
		"$l3/dir/sub" "$l3/shape3" "$l3/deep/a/b/c/d" "$l3/bin"

	# lower3: the bottom
	mkf "$l3/common.txt" 644 "common from lower3"
	mkf "$l3/only3.txt" 644 "only in lower3"
	mkf "$l3/dir/a3.txt" 644 "dir/a3 from lower3"
	mkf "$l3/dir/sub/deep3.txt" 644 "deep in lower3"
	mkf "$l3/shape3/inside3.txt" 644 "under a dir that lower1 covers with a file"
	mkf "$l3/deep/a/b/c/d/leaf.txt" 644 "a leaf five levels down"
	mkf "$l3/bin/tool3" 755 "#!/bin/sh"
	mkd "$l3/empty3"

	# lower2
	mkf "$l2/common.txt" 644 "common from lower2"
	mkf "$l2/only2.sh" 755 "#!/bin/sh
echo only2"
	mkf "$l2/dir/a2.txt" 644 "dir/a2 from lower2"
	mkf "$l2/dir/a3.txt" 644 "dir/a3 from lower2 (over lower3)"
	mkf "$l2/dir/sub/deep2.txt" 644 "deep in lower2"
	mkd "$l2/dir/empty2"
	mkf "$l2/shape1/under-upper-file.txt" 644 "hidden by the upper's file shape1"
	mkf "$l2/shape2" 644 "a file that the upper's directory shape2 hides"
	mkf "$l2/name with spaces.txt" 644 "spaces in lower2"
	mkf "$l2/hl-a" 644 "hard linked in lower2"
	ln "$l2/hl-a" "$l2/hl-b"
	mkf "$l2/ro.txt" 444 "read-only in lower2"
	mkf "$l2/secret.txt" 600 "secret of lower2's owner"
	mkf "$l2/private/hidden.txt" 644 "in a 0700 directory"
	chmod 700 "$l2/private"
	mkf "$l2/bin/tool2" 755 "#!/bin/sh"
	mkd "$l2/deep/a/b" 750

	# lower1: the top lower
	mkf "$l1/common.txt" 644 "common from lower1"
	mkf "$l1/only1.txt" 644 "only in lower1"
	mkf "$l1/dir/a1.txt" 640 "dir/a1 from lower1"
	mkf "$l1/dir/sub/deep1.txt" 644 "deep in lower1"
	mkf "$l1/shape3" 644 "a file over lower3's directory shape3"
	mkf "$l1/dir with space/file one" 644 "file one"
	mkd "$l1/emptydir"
	mkd "$l1/dir/empty1" 700
	mkl dir/a1.txt "$l1/rel-link"
	mkl "$M/only3.txt" "$l1/abs-link"
	mkl "$M/dir/sub" "$l1/abs-dirlink"
	mkl dir "$l1/dirlink"
	mkl rel-link "$l1/chain-link"
	mkl does-not-exist "$l1/dangling"
	mkl "$M/nowhere/at/all" "$l1/abs-dangling"
	mkl ../common.txt "$l1/dir/up-link"
	mkl loop-b "$l1/loop-a"
	mkl loop-a "$l1/loop-b"

	# upper
	mkf "$u/common.txt" 644 "common from upper"
	mkf "$u/only_u.txt" 644 "only in upper"
	mkf "$u/dir/au.txt" 644 "dir/au from upper"
	mkf "$u/shape1" 644 "upper file over lower2's directory shape1"
	mkf "$u/shape2/inside.txt" 644 "upper directory over lower2's file"
	mkl only2.sh "$u/u-link"
	mkd "$u/upper-empty"

	fix_times "$d"
}

# make_small_tree DIR: an upper and two lowers, readable by everyone,
# for the write scenarios.
make_small_tree() {
	local d=$1
	local u=$d/upper l1=$d/lower1 l2=$d/lower2
	# (mkf's parents and the directories of mode 0755 in one process.)
	mkdir -p -m 755 "$u/d" "$u/du" "$l1/d" "$l1/e1" "$l2/d/sub" "$l2/d2" \
		"$l2/e2"

	mkf "$l2/f2" 644 "f2 from lower2"
	mkf "$l2/both" 644 "both from lower2"
	mkf "$l2/d/x2" 644 "d/x2 from lower2"
	mkf "$l2/d/sub/y2" 644 "d/sub/y2 from lower2"
	mkf "$l2/ro" 444 "read-only from lower2"
	mkf "$l2/exe" 755 "#!/bin/sh
echo exe"
	mkf "$l2/d2/only2" 644 "d2/only2 from lower2"
	mkd "$l2/d2/deeper" 705
	mkf "$l2/d2/deeper/z" 644 "d2/deeper/z from lower2"

	mkf "$l1/f1" 644 "f1 from lower1"
	mkf "$l1/both" 644 "both from lower1"
	mkf "$l1/d/x1" 644 "d/x1 from lower1"
	mkf "$l1/hl1" 644 "hard linked in lower1"
	ln "$l1/hl1" "$l1/hl2"
	mkf "$l1/sp ace" 644 "a name with a space"
	mkl f1 "$l1/link-f1"
	mkl "$M/f2" "$l1/abslink-f2"
	mkl d "$l1/link-d"

	mkf "$u/fu" 644 "fu from upper"
	mkf "$u/both" 644 "both from upper"
	mkf "$u/d/xu" 644 "d/xu from upper"
	mkf "$u/du/in-du" 644 "in du, upper only"

	fix_times "$d"
}

# ------------------------------------------------------------------
# Helpers for the steps (exported, so that `bash -c` sees them)

# st PATH...: type, mode, size (non-dirs), link count, owner (unless
# UN_SHOW_OWNER=0) of each PATH, without following a last symlink.
st() {
	local p f
	for p; do
		if [ -d "$p" ] && [ ! -L "$p" ]; then
			f='%n: %F %a nlink=%h'
		else
			f='%n: %F %a size=%s nlink=%h'
		fi
		[ "${UN_SHOW_OWNER:-1}" = 1 ] && f="$f %u:%g"
		stat -c "$f" -- "$p" || true
	done
}

# show PATH...: st, then the content of a file, the target of a symlink
# or the names in a directory.
show() {
	local p
	for p; do
		st "$p"
		if [ -L "$p" ]; then
			printf '  -> %s\n' "$(readlink -- "$p")"
		elif [ -d "$p" ]; then
			ls -A1p -- "$p" | sed 's/^/  /'
		elif [ -f "$p" ]; then
			sed 's/^/  | /' -- "$p"
		fi
	done
}

# names DIR: the sorted names in DIR, one a line, `/` after directories.
names() { ls -A1p -- "$1"; }

# waitfor CMD...: run CMD every 0.05 s until it succeeds, for
# UN_WAIT_SECS seconds at most (default 60); then a line `TIMEOUT: CMD`
# and status 1.  The bounded wait of the steps whose background
# process (tail -f, inotifywait) reports asynchronously.
waitfor() {
	local i=0
	until "$@"; do
		i=$((i + 1))
		if [ $i -gt $((${UN_WAIT_SECS:-60} * 20)) ]; then
			echo "TIMEOUT: $*"
			return 1
		fi
		sleep 0.05
	done
}

# printed FILE LINE: FILE has a line that is LINE exactly.
printed() { grep -qx -- "$2" "$1"; }

export -f st show names waitfor printed listing _un_listing_walk _un_listing_fmt

# ------------------------------------------------------------------
# The comparison

# step 'SHELL COMMAND': run the command in the view under test (`bash -c`,
# $M is the merged path, cwd $T, HOME $T/home), and record the command,
# its stdout and stderr together, and its exit status.
step() {
	local rc=0
	printf '$ %s\n' "$1" >>"$UN_OUT"
	_un_view bash -c "$1" >>"$UN_OUT" 2>&1 </dev/null || rc=$?
	printf '[exit %d]\n' "$rc" >>"$UN_OUT"
}

# stepx <<'EOF' ... EOF: a step whose command comes from stdin (for
# commands with quotes of both kinds).
stepx() { step "$(cat)"; }

# note TEXT: a line in the transcript (not a command).
note() { printf '# %s\n' "$*" >>"$UN_OUT"; }

# _un_view CMD...: run CMD in the current side's view.
# As nobody, the library is loaded only after setpriv: a root process
# loaded with it (setpriv itself) could make the upper's .union/ root's.
_un_view() {
	local who=()
	[ "${UN_AS:-root}" = nobody ] &&
		who=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
	# (No `timeout` a step: the scenario's watchdog, above.  HOME by
	# the shell where it can be: a process fewer a step.)
	case $UN_SIDE in
	kernel)
		(cd "$T" && HOME="$T/home" "${who[@]}" "$@")
		;;
	union)
		if [ -n "$UN_HARNESS" ]; then
			(cd "$T" && un_run "$M" "${UN_LAYERS[@]}" -- "${who[@]}" \
				env HOME="$T/home" "$@")
		else
			local _un_spec
			_un_spec_to _un_spec "$M" "${UN_LAYERS[@]}"
			if [ ${#who[@]} = 0 ]; then
				(cd "$T" && HOME="$T/home" UNION_LAYERS="$_un_spec" \
					LD_PRELOAD="$LIBUNION" "$@")
			else
				# (env: the library after setpriv, above.)
				(cd "$T" && "${who[@]}" env HOME="$T/home" \
					UNION_LAYERS="$_un_spec" LD_PRELOAD="$LIBUNION" "$@")
			fi
		fi
		;;
	*)
		un_log "step outside compare_kernel_union"
		return 2
		;;
	esac
}

# in_view CMD...: run CMD (not recorded) in the current side's view.
in_view() { _un_view "$@"; }

# _un_sedq_to VAR TEXT: VAR=TEXT quoted for a sed pattern (in bash: four
# files a comparison, five patterns each).
_un_sedq_to() {
	local _un_q= _un_c _un_i
	for ((_un_i = 0; _un_i < ${#2}; _un_i++)); do
		_un_c=${2:_un_i:1}
		case $_un_c in
		[][\\.*^\$/\&]) _un_q+=\\ ;;
		esac
		_un_q+=$_un_c
	done
	printf -v "$1" '%s' "$_un_q"
}

# _un_normalise FILE...: in each FILE, replace the paths that differ
# between the sides by stable names.  (The merged path only where a path
# component ends: $T/m must not eat the start of $T/mv-dir-with-lower.)
# In place, one sed for the four files of a comparison.
_un_normalise() {
	local e='\([^A-Za-z0-9._+-]\|$\)'
	local km um kd ud t
	_un_sedq_to km "$UN_K_M"
	_un_sedq_to um "$UN_U_M"
	_un_sedq_to kd "$UN_KD"
	_un_sedq_to ud "$UN_UD"
	_un_sedq_to t "$T"
	sed -i -e "s/$km$e/MERGED\1/g" -e "s/$um$e/MERGED\1/g" \
		-e "s/$kd/LAYERS/g" -e "s/$ud/LAYERS/g" -e "s/$t/T/g" "$@"
}

# _un_layers DIR: set UN_LAYERS to DIR's upper (or "" with UN_NO_UPPER=1)
# and its lowers lower1, lower2, ... in order.
_un_layers() {
	local i=1
	if [ "${UN_NO_UPPER:-0}" = 1 ]; then
		UN_LAYERS=("")
	else
		UN_LAYERS=("$1/upper")
	fi
	while [ -d "$1/lower$i" ]; do
		UN_LAYERS+=("$1/lower$i")
		i=$((i + 1))
	done
}

# compare_kernel_union NAME SETUP ACTION [CHECK]
#
# SETUP DIR fills DIR/upper and DIR/lower1.. (called once per side, with
# $M set).  ACTION runs `step`s; it is called once over a kernel overlay
# mount and once under libunion, with the merged view at the same path $M
# both times ($T/m; during the libunion run an empty directory).
# Transcripts are compared after replacing the merged path and the layer
# directories by MERGED and LAYERS, then the listings of the final merged
# views, then the lowers are checked unchanged.  CHECK SIDE DIR, when
# given, runs afterwards for side-specific checks of DIR's upper (SIDE is
# `kernel` or `union`; it calls fail).
#
# Variables: UN_AS=nobody runs the steps as uid 65534 with the uppers
# owned by 65534; UN_NOBODY_LOWERS=1 then also gives the kernel copy's
# lowers to 65534 (the kernel's reference for DESIGN.md's "as if every
# lower file were their own"; libunion's lowers stay root's);
# UN_NOBODY_LOWERS=both gives both sides' lowers to 65534 (the user owns
# the lowers, as DESIGN.md's Permissions asks: modes like 0500 and 0400
# then read alike on both sides).
# UN_NO_UPPER=1: a read-only union.  UN_INPLACE=1: the merged path is
# lower1 itself.  UN_LISTING_IGNORE: an ERE of listing lines whose content
# hash is not compared (files that hold inode numbers, like .git/index).
# UN_MERGED_ABSENT=1: libunion's merged path does not
# exist on disk (by default it is the kernel's empty mount point).  UN_KERNEL_OPTS: more mount options.
compare_kernel_union() {
	local name=$1 setup=$2 action=$3 check=${4-}
	need_kernel_overlay
	[ "${UN_AS:-root}" = nobody ] && _un_nobody_left "$name" && return 0
	[ "${UN_AS:-root}" = nobody ] || UN_RAN_SELF=1
	local base=$T/$name
	UN_KD=$base/kernel UN_UD=$base/union
	mkdir -p "$UN_KD" "$UN_UD"
	local m_default=$T/m
	local nobody=0
	[ "${UN_AS:-root}" = nobody ] && nobody=1
	export UN_SHOW_OWNER=1
	[ $nobody = 1 ] && UN_SHOW_OWNER=0

	if [ "${UN_INPLACE:-0}" = 1 ]; then
		UN_K_M=$UN_KD/lower1 UN_U_M=$UN_UD/lower1
	else
		UN_K_M=$m_default UN_U_M=$m_default
	fi

	# The two copies of the layers (libunion's only, UN_UNION_ONLY=1).
	local side dir sides=(kernel union) snap=()
	[ "${UN_UNION_ONLY:-0}" = 1 ] && sides=(union)
	for side in "${sides[@]}"; do
		dir=$UN_KD
		export M=$UN_K_M
		if [ $side = union ]; then
			dir=$UN_UD
			M=$UN_U_M
		fi
		UN_TIMES_AFTER=$dir "$setup" "$dir"
		fix_times "$dir"
		if [ $nobody = 1 ]; then
			[ "${UN_NO_UPPER:-0}" = 1 ] || chown -R 65534:65534 "$dir/upper"
			# (A kernel standing in for libunion, UN_HARNESS, needs
			# the same ownership to give the same answers.)
			if { [ "${UN_NOBODY_LOWERS:-0}" = 1 ] &&
				{ [ $side = kernel ] || [ -n "$UN_HARNESS" ]; }; } ||
				[ "${UN_NOBODY_LOWERS:-0}" = both ]; then
				chown -hR 65534:65534 "$dir"/lower*
			fi
		fi
		_un_layers "$dir"
		snap+=("${UN_LAYERS[@]:1}")
	done
	# (Both sides: the snapshot reads the files, which moves their
	# atimes; a step may show them.  One process for both.)
	lowers_snapshot "${snap[@]}"
	[ "${UN_NOBODY_LOWERS:-0}" = 1 ] && _un_check_nobody_lowers "$UN_UD"

	# The kernel's side.  $L names the side's layer directory (for files
	# that a setup put beside the layers).
	UN_SIDE=kernel
	M=$UN_K_M
	export L=$UN_KD
	UN_OUT=$base/kernel.out
	: >"$UN_OUT"
	_un_layers "$UN_KD"
	local kok=1
	if [ "${UN_UNION_ONLY:-0}" = 1 ]; then
		# (No kernel mount: the merged path is made as its mount
		# point would have been.)
		[ "$M" != "$m_default" ] || mkdir -p "$M"
		kok=0
	else
		kernel_mount "$M" "${UN_LAYERS[0]}" "$UN_KD/work" "${UN_LAYERS[@]:1}" || kok=0
	fi
	if [ $kok = 1 ]; then
		_un_warm_up
		("$action") || note "the action stopped with status $?"
		_un_final_listing >"$base/kernel.list" 2>&1 || true
		kernel_umount "$M"
	fi
	# Where the kernel had its mount point, libunion's merged path is an
	# empty directory too (so that the parent looks the same), unless
	# UN_MERGED_ABSENT=1 asks for a merged path absent on disk.
	if [ "$M" = "$m_default" ] && [ "${UN_MERGED_ABSENT:-0}" = 1 ]; then
		rmdir "$M"
	fi

	# libunion's side (or a second kernel mount when testing the harness).
	UN_SIDE=union
	M=$UN_U_M
	L=$UN_UD
	UN_OUT=$base/union.out
	: >"$UN_OUT"
	_un_layers "$UN_UD"
	if [ "$UN_HARNESS" = kernel-wrong ]; then
		# (a read-only union has no upper: then into its top lower)
		local plant=$UN_UD/upper
		[ "${UN_NO_UPPER:-0}" = 1 ] && plant=$UN_UD/lower1
		echo "planted by UN_HARNESS=kernel-wrong" >"$plant/harness-planted"
	fi
	if [ "${UN_UNION_ONLY:-0}" = 1 ] && need_lib; then
		_un_union_only "$name" "$base" "$action" "$m_default"
	elif need_lib && [ $kok = 1 ]; then
		_un_warm_up
		("$action") || note "the action stopped with status $?"
		_un_final_listing >"$base/union.list" 2>&1 || true
		if [ "$M" = "$m_default" ]; then
			rmdir "$M" 2>/dev/null || true
		fi

		if [ -n "${UN_LISTING_IGNORE:-}" ]; then
			sed -E -i "\\%$UN_LISTING_IGNORE%s/ sha256=[0-9a-f]+/ sha256=(ignored)/" \
				"$base/kernel.list" "$base/union.list"
		fi
		_un_normalise "$base/kernel.out" "$base/union.out" \
			"$base/kernel.list" "$base/union.list"
		_un_compare "$name" "$base/kernel.out" "$base/union.out" "steps"
		_un_compare "$name" "$base/kernel.list" "$base/union.list" \
			"final merged listing"
	fi
	lowers_check
	if [ -n "$check" ] && [ "${UN_UNION_ONLY:-0}" != 1 ]; then
		"$check" kernel "$UN_KD"
		"$check" union "$UN_UD"
	fi
	unset UN_SIDE
}

# UN_UNION_ONLY=1 (CI's sanitizer pass, tests/integration/local.mk): the
# steps run under libunion only, and what is looked for is a sanitizer's
# report, in the steps' output or the final listing, or a status of 86
# (ASAN_OPTIONS' exitcode).  The comparison with the kernel is the plain
# pass's, made on the same code; a CHECK function, which reads the
# uppers from outside the library, is left out with it.  This halves the
# pass where every process loaded with the ASan runtime costs about
# 40 ms of CPU.
_un_union_only() {
	local name=$1 base=$2 action=$3 m_default=$4
	_un_warm_up
	("$action") || note "the action stopped with status $?"
	_un_final_listing >"$base/union.list" 2>&1 || true
	if [ "$M" = "$m_default" ]; then
		rmdir "$M" 2>/dev/null || true
	fi
	if grep -q -E "$UN_SAN_REPORT_RE|^\[(exit|listing exit) 86\]" \
		"$base/union.out" "$base/union.list"; then
		fail "$name: a sanitizer reported an error under libunion"
		grep -h -B2 -A40 -E "$UN_SAN_REPORT_RE|^\[(exit|listing exit) 86\]" \
			"$base/union.out" "$base/union.list" | head -n 80 >&2
	else
		printf 'ok: %s: libunion only (the sanitizer pass): %d lines, no report\n' \
			"$name" "$(wc -l <"$base/union.out")"
	fi
}

# Before the action: a lookup of every name.  The kernel sets its
# trusted.overlay.origin and .impure xattrs on upper directories at the
# first lookup, which changes their ctime (tar then says "file changed as
# we read it"); after this walk the steps see a settled tree.  libunion's
# side gets the same walk, by the user of the steps (a walk by root could
# leave root's files in the upper that the steps then cannot write).
_un_warm_up() {
	local err=$T/.snap/warm-up.err
	[ -d "$T/.snap" ] || mkdir -p "$T/.snap"
	_un_view find "$M" >/dev/null 2>"$err" </dev/null || true
	# (What the walk finds does not matter here; a sanitizer's report
	# does.  Most walks say nothing: no grep then.)
	if [ -s "$err" ] && grep -q -E "$UN_SAN_REPORT_RE" "$err"; then
		fail "a sanitizer reported an error during the warm-up walk ($UN_SIDE side)"
		head -n 60 "$err" >&2
	fi
	touch -d "$UN_FIXED_TIME" "$T"
}

# With UN_NOBODY_LOWERS=1 the kernel's reference owns its lowers and
# libunion's do not: the two agree only where a lower object gives others
# the read and search bits it gives its owner (DESIGN.md: reading follows
# the lower's own permissions, changing goes as if the user owned it).
_un_check_nobody_lowers() {
	local bad
	bad=$(find "$1"/lower* ! -type l \( \( -perm -u=r ! -perm -o=r \) -o \
		\( -perm -u=x ! -perm -o=x \) \) -printf '%P (%m) ' 2>/dev/null)
	[ -z "$bad" ] ||
		fail "harness: UN_NOBODY_LOWERS with lower objects that others may not read as their owner may: $bad"
}

# The final merged view, listed as root (owners left out in the as-nobody
# runs, where the kernel's reference owns its lowers differently).
_un_final_listing() {
	local own=1 rc=0
	[ "${UN_AS:-root}" = nobody ] && own=0
	case $UN_SIDE in
	kernel)
		(
			cd -- "$M" || exit 1
			_un_listing_walk | _un_listing_fmt "$own"
		) || rc=$?
		;;
	union)
		# (Only the walk runs in the view: fewer processes loaded
		# with the library.)
		un_run "$M" "${UN_LAYERS[@]}" -- bash -c \
			"$(declare -f _un_listing_walk); cd -- \"\$1\" || exit 1; _un_listing_walk" \
			listing "$M" | _un_listing_fmt "$own"
		rc=${PIPESTATUS[0]}
		;;
	esac
	echo "[listing exit $rc]"
}

# _un_compare NAME KERNEL UNION WHAT: the two files (normalised) alike.
_un_compare() {
	local name=$1 k=$2 u=$3 what=$4 lines
	if cmp -s "$k" "$u"; then
		# (Counted by mapfile, not wc: a process fewer.)
		mapfile -t lines <"$k"
		printf 'ok: %s: %s agree (%d lines)\n' "$name" "$what" \
			"${#lines[@]}"
		if [ "${UN_VERBOSE:-0}" = 1 ]; then
			cat "$k"
		fi
	else
		fail "$name: $what differ between the kernel and libunion"
		diff -u --label "kernel ($name)" --label "libunion ($name)" \
			"$k" "$u" | head -n "${UN_DIFF_LINES:-150}" >&2 || true
	fi
}

# ------------------------------------------------------------------
# Expectations without a kernel reference

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then
		printf 'ok: %s\n' "$1"
	else
		fail "$1"
		diff -u --label expected --label actual \
			<(printf '%s\n' "$2") <(printf '%s\n' "$3") >&2 || true
	fi
}

# expect_true WHAT CMD...: CMD must succeed.
expect_true() {
	local what=$1
	shift
	if "$@"; then
		printf 'ok: %s\n' "$what"
	else
		fail "$what"
	fi
}

# upper_names DIR: what DIR/upper holds, libunion's .union left out.
upper_names() {
	(cd "$1/upper" && find . -path ./.union -prune -o -printf '%P %y\n' |
		sed '/^ d$/d' | LC_ALL=C sort)
}

# whiteout_table DIR: the whiteout table of DIR/upper (empty if none).
whiteout_table() {
	cat "$1/upper/.union/whiteouts" 2>/dev/null || true
}

# whiteout_records DIR: what the table says now, one "KIND PATH" a line
# (w: whiteout, o: opaque), sorted.  The table is a journal (version 1:
# a header line "libunion-whiteouts 1", then "w PATH", "o PATH" or
# "- PATH" to drop a record, with \xHH escapes); it is replayed here.
whiteout_records() {
	local f=$1/upper/.union/whiteouts
	[ -f "$f" ] || return 0
	local head
	head=$(head -n1 "$f")
	case $head in
	"libunion-whiteouts 1") ;;
	*)
		un_log "whiteout_records: unknown table header '$head'"
		return 1
		;;
	esac
	tail -n +2 "$f" | awk '
		{ k = substr($0, 1, 1); p = substr($0, 3)
		  if (k == "-") delete r[p]; else r[p] = k }
		END { for (p in r) print r[p] " " p }' |
		while IFS= read -r line; do
			printf '%s %b\n' "${line%% *}" "${line#* }"
		done | LC_ALL=C sort
}

# check_whiteout SIDE DIR NAME...: the deletion of each NAME is recorded
# the way the side records it: a 0/0 character device in the kernel's
# upper, a record in the table and no file at all in libunion's.
check_whiteout() {
	local side=$1 d=$2 n
	shift 2
	for n; do
		if [ "$side" = kernel ]; then
			[ "$(stat -c '%F %t:%T' "$d/upper/$n" 2>/dev/null)" = \
				"character special file 0:0" ] ||
				fail "kernel: no 0/0 whiteout for $n"
		else
			case $UN_HARNESS in kernel*) continue ;; esac
			if [ -e "$d/upper/$n" ] || [ -L "$d/upper/$n" ]; then
				fail "libunion left $(stat -c %F "$d/upper/$n") at upper/$n (a whiteout must be a table record)"
			fi
			whiteout_records "$d" | grep -qxF -- "w $n" ||
				fail "libunion: no whiteout record of $n in upper/.union/whiteouts"
		fi
	done
}

# check_opaque SIDE DIR NAME...: NAME is an opaque directory in the upper.
check_opaque() {
	local side=$1 d=$2 n
	shift 2
	for n; do
		if [ "$side" = kernel ]; then
			[ "$(getfattr --only-values -n trusted.overlay.opaque "$d/upper/$n" 2>/dev/null)" = y ] ||
				fail "kernel: upper/$n is not opaque"
		else
			case $UN_HARNESS in kernel*) continue ;; esac
			[ -d "$d/upper/$n" ] || fail "libunion: upper/$n is not a directory"
			whiteout_records "$d" | grep -qxF -- "o $n" ||
				fail "libunion: no opaque record of $n in upper/.union/whiteouts"
		fi
	done
}
