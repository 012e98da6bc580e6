#!/bin/bash
# held-dir-copyup-race: a thread lists, stats a name and opens a name through a held descriptor of a lower-only directory while another thread creates a file in that directory (by its path): the kernel lists the directory merged every time, finds and opens the lower's names.  The copy-up of the directory re-points the process's descriptors of it onto the upper's copy (copy_up.c repoint_fd: dup3, then the record's layer 0); a listing or a lookup through the descriptor in between took the upper's copy for the lower's and listed [] or ['k'] alone, found no u6, opened no y (stress/run-ci, race.py seed 1: "ls lib/g => ok: ['u6', 'y'] not listed").  Made certain with strace holding the window open: dup3's exit delayed (the record not yet the upper's), dup3's entry delayed (a third thread closes a number of g's it dup'd, or dup2s onto it, and opens a file outside that takes the number: the move must not land on it; fdtab.c, Repoints), openat's entry delayed (a lookup done, its open relative to the descriptor not yet made); then without strace.  Directories of mode 0755 and 0700 (the pass as nobody owns them; root's over 0755 alone).  Races it found, fixed: the record's layer during a move (fdtab.c, Moves), the walk's cache puts stamped after the parent's layers were learned (namei.c walk_stamp_holds), the move's dup3 onto a number closed and taken again since its look (fdtab.c, Repoints), and a fresh union's stamp 0 taken for "layers that never change" (whiteout.c stamp_make; "lib0 listdir: ['k']" under load).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_strace_delay openat

cat >"$T/held.py" <<'PY'
import os, sys, threading, time
M, n, other = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ost = os.stat(other)
bad = []
for it in range(n):
    g = "%s/lib%d/g" % (M, it)
    fd = os.open(g, os.O_RDONLY | os.O_DIRECTORY)
    bar = threading.Barrier(3)
    miss = {}
    def lister():
        bar.wait()
        for k in range(20):
            names = os.listdir(fd)
            if not {"u6", "y", "h"} <= set(names):
                miss.setdefault("listdir", sorted(names))
            try:
                os.stat("u6", dir_fd=fd)
            except OSError as e:
                miss.setdefault("stat u6", e.strerror)
            try:
                os.close(os.open("y", os.O_RDONLY, dir_fd=fd))
            except OSError as e:
                miss.setdefault("open y", e.strerror)
            try:
                sub = os.open("h", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
                names = os.listdir(sub)
                os.close(sub)
                if names != ["z"]:
                    miss.setdefault("listdir h", sorted(names))
            except OSError as e:
                miss.setdefault("open h", e.strerror)
    made = threading.Event()
    def reuser():
        # A number held a while as g's, closed and taken at once by an
        # open of a file outside (or made that file's by a dup2): still
        # that file after the copy-up's move of g's descriptors, which
        # must never land on it.
        bar.wait()
        for k in range(1000):
            d = os.dup(fd)
            time.sleep(0.0002)
            if k % 2:
                o = os.open(other, os.O_RDONLY)
                x = os.dup2(o, d)
                os.close(o)
            else:
                os.close(d)
                x = os.open(other, os.O_RDONLY)
            time.sleep(0.004)	# (past a move held 3 ms)
            xst = os.fstat(x)
            os.close(x)
            if (xst.st_dev, xst.st_ino) != (ost.st_dev, ost.st_ino):
                miss.setdefault("number reused", "not the file opened")
            if made.is_set():
                break
    def maker():
        bar.wait()
        with open(g + "/k", "a") as f:
            f.write("x")
        made.set()
    ts = [threading.Thread(target=f) for f in (lister, reuser, maker)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    os.close(fd)
    for k, v in sorted(miss.items()):
        bad.append("lib%d %s: %s" % (it, k, v))
print("\n".join(bad[:8]) if bad else "all merged")
PY

N=40
echo other >"$T/other"
chmod 0644 "$T/other"

# layers NAME MODE COUNT: COUNT lower-only directories lib$i/g holding
# u6 y t2 and h/z, g and h of mode MODE.  (Builtins but for one mkdir
# and one chmod: 200 directories a pass.)
layers() {
	local d=$T/$1 mode=$2 i g dirs=()
	rm -rf "$d"
	mkdir -p "$d/upper" "$d/work" "$d/view"
	for i in $(seq 0 $(($3 - 1))); do
		dirs+=("$d/lower/lib$i/g" "$d/lower/lib$i/g/h")
	done
	mkdir -p "${dirs[@]}"
	for i in $(seq 0 $(($3 - 1))); do
		g=$d/lower/lib$i/g
		: >"$g/u6"; : >"$g/y"; : >"$g/t2"; : >"$g/h/z"
	done
	chmod "$mode" "${dirs[@]}"
	[ "${1%%-*}" = nobody ] && chown -R 65534:65534 "$d"
	return 0
}

if is_root; then
	need_kernel_overlay
	layers kernel 0755 $N
	kernel_mount "$T/kernel/view" "$T/kernel/upper" "$T/kernel/work" "$T/kernel/lower"
	expect_eq "kernel: listings, stats and opens through held descriptors" \
		"all merged" \
		"$("$PYTHON" -B "$T/held.py" "$T/kernel/view" $N "$T/other" 2>&1)"
	kernel_umount "$T/kernel/view"
fi

# held WHO RUN MODE COUNT LABEL [STRACE-ARGS...]: fresh layers of COUNT
# directories, held.py over them under libunion (under strace with
# STRACE-ARGS, when given), every listing merged, the lowers unchanged.
held() {
	local who=$1 run=$2 mode=$3 count=$4 label=$5 d spec trace=()
	shift 5
	[ $# -eq 0 ] || trace=(strace -f -qq -o /dev/null "$@")
	layers "$who-$mode" "$mode" "$count"
	d=$T/$who-$mode
	lowers_snapshot "$d/lower"
	spec=$(un_spec "$d/view" "$d/upper" "$d/lower")
	expect_eq "$who $mode: $label" "all merged" \
		"$($run "${trace[@]}" env UNION_LAYERS="$spec" \
			LD_PRELOAD="$LIBUNION" \
			"$PYTHON" -B "$T/held.py" "$d/view" "$count" \
			"$T/other" 2>&1)"
	lowers_check
}

# (Root over 0755 alone: 0700 is a permission the pass as nobody meets,
# root's copy-up never; a pass fewer keeps CI's time.)
run() {
	local who=$1 run=$2 mode modes=(0755 0700)
	[ "$who" = self ] && is_root && modes=(0755)
	for mode in "${modes[@]}"; do
		held "$who" "$run" $mode $N "the copy-up's dup3 held" \
			-e trace=dup3 -e inject=dup3:delay_exit=3000
		held "$who" "$run" $mode $N "the copy-up's dup3 held at its entry" \
			-e trace=dup3 -e inject=dup3:delay_enter=3000
		held "$who" "$run" $mode $N "opens held after their lookups" \
			-e trace=openat -e inject=openat:delay_enter=1000
		held "$who" "$run" $mode $((N * 2)) "no strace"
	done
}

run_self_then_nobody run
un_done
