#!/bin/bash
# unwrapped-setuid: programs the loader runs without LD_PRELOAD (setuid or setgid to another identity, file capabilities) are refused unless UNION_UNWRAPPED_EXEC lets them.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_root "setuid copies owned by another user"
need_lib || un_done
need_edgeprog execs

D=$T/d
M=$T/m
O=$T/outside
mkdir -p "$D/upper" "$D/lower/bin" "$O"
echo "lower file" >"$D/lower/f"
echo "outside file" >"$O/plain"
chmod 644 "$O/plain" "$D/lower/f"

# mkprog DIR NAME OWNER:GROUP MODE: a copy of cat.
mkprog() {
	cp /bin/cat "$1/$2"
	chown "$3" "$1/$2"
	chmod "$4" "$1/$2"
}
for dir in "$O" "$D/lower/bin"; do
	mkprog "$dir" suid-nobody 65534:0 4755
	mkprog "$dir" sgid-nobody 0:65534 2755
	mkprog "$dir" suid-root 0:0 4755
done
chown -R 65534:65534 "$D/upper"
lowers_snapshot "$D/lower"
SPEC=$(un_spec "$M" "$D/upper" "$D/lower")

# run [nobody] POLICY CMD...: sets OUT, ERR, RC.
run() {
	local who=()
	if [ "$1" = nobody ]; then
		who=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
		shift
	fi
	local policy=$1
	shift
	RC=0
	"${who[@]}" env -u UNION_UNWRAPPED_EXEC ${policy:+UNION_UNWRAPPED_EXEC=$policy} \
		UNION_LAYERS="$SPEC" LD_PRELOAD="$LIBUNION" "$@" >"$T/out" 2>"$T/err" || RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
}

refused() {
	local what=$1 shown=$2 why=$3
	if [ "$(grep -c '^libunion: ' "$T/err" || true)" = 1 ] &&
		grep -qF "libunion: refusing to run $shown: " "$T/err" &&
		grep -q "^libunion: .*$why" "$T/err" &&
		[ "$OUT" = "execve: EPERM" ] && [ "$RC" = 1 ]; then
		echo "ok: $what: refused"
	else
		fail "$what: expected execve: EPERM and one line 'libunion: refusing to run $shown: ...$why...', got '$OUT' status $RC stderr: $ERR"
	fi
}

ran() {
	local what=$1 want=$2
	if [ "$OUT" = "$want" ] && [ "$RC" = 0 ] && ! grep -q '^libunion:' "$T/err"; then
		echo "ok: $what: ran"
	else
		fail "$what: expected '$want' and status 0, got '$OUT' status $RC stderr: $ERR"
	fi
}

for where in outside inside; do
	if [ $where = outside ]; then p=$O; else p=$M/bin; fi
	for prog in suid-nobody sgid-nobody; do
		run "" "$EDGEPROG/execs" execve "$p/$prog" "$O/plain"
		refused "root runs $prog ($where MERGED)" "$p/$prog" "setuid or setgid"
		run refuse "$EDGEPROG/execs" execve "$p/$prog" "$O/plain"
		refused "root runs $prog ($where MERGED), UNION_UNWRAPPED_EXEC=refuse" "$p/$prog" "setuid or setgid"
		run allow "$EDGEPROG/execs" execve "$p/$prog" "$O/plain"
		ran "root runs $prog ($where MERGED), UNION_UNWRAPPED_EXEC=allow" "outside file"
		run outside "$EDGEPROG/execs" execve "$p/$prog" "$O/plain"
		if [ $where = outside ]; then
			ran "root runs $prog outside MERGED, UNION_UNWRAPPED_EXEC=outside" "outside file"
		else
			refused "root runs $prog inside MERGED, UNION_UNWRAPPED_EXEC=outside" "$p/$prog" "setuid or setgid"
		fi
	done
	# setuid root, run by root: the loader keeps LD_PRELOAD, so it runs,
	# and in the union.
	run "" "$EDGEPROG/execs" execve "$p/suid-root" "$M/f"
	ran "root runs a setuid-root program ($where MERGED), and it sees the union" "lower file"
	# ... but run by nobody it gains root: refused.
	run nobody "" "$EDGEPROG/execs" execve "$p/suid-root" "$O/plain"
	refused "nobody runs a setuid-root program ($where MERGED)" "$p/suid-root" "setuid or setgid"
done

# File capabilities make the loader drop LD_PRELOAD for a user as well
# (AT_SECURE): such a program would see the real directories.
if command -v setcap >/dev/null 2>&1; then
	cp /bin/cat "$O/capcat"
	chmod 755 "$O/capcat"
	if setcap cap_dac_read_search+ep "$O/capcat" 2>/dev/null; then
		run nobody allow "$EDGEPROG/execs" execve "$O/capcat" "$M/f"
		if [ "$RC" = 0 ]; then
			note_ld="the loader kept LD_PRELOAD"
		else
			note_ld="the loader dropped LD_PRELOAD: '$OUT' $ERR"
		fi
		echo "info: nobody runs a file-capability program with =allow: $note_ld"
		run nobody "" "$EDGEPROG/execs" execve "$O/capcat" "$O/plain"
		refused "nobody runs a program with file capabilities" "$O/capcat" "capabilities"
		run "" "$EDGEPROG/execs" execve "$O/capcat" "$M/f"
		ran "root runs a program with file capabilities, in the union" "lower file"
	else
		un_log "note: setcap refused here: the file-capability case is not checked"
	fi
else
	un_log "note: no setcap (libcap2-bin): the file-capability case is not checked"
fi

lowers_check
un_done
