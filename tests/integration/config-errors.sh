#!/bin/bash
# config-errors: a malformed UNION_LAYERS stops the command before main with one line and status 125.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_harness_off
need_lib || un_done

mkdir -p "$T/u" "$T/l" "$T/l2"
echo "from lower" >"$T/l/f"

# bad VALUE [EXACT-MESSAGE | ~SUBSTRING]: the command must not run, stderr
# must be one line starting "libunion: UNION_LAYERS: ", status 125.
bad() {
	local value=$1 want=${2-} rc=0
	rm -f "$T/ran"
	UNION_LAYERS=$value LD_PRELOAD=$LIBUNION \
		/bin/sh -c 'echo ran >"$T/ran"; echo ran' >"$T/out" 2>"$T/err" || rc=$?
	local what="UNION_LAYERS='$value'"
	[ "$rc" = 125 ] || fail "$what: exit status $rc, not 125"
	[ ! -e "$T/ran" ] || fail "$what: the command ran"
	[ ! -s "$T/out" ] || fail "$what: stdout: $(cat "$T/out")"
	[ "$(wc -l <"$T/err")" = 1 ] ||
		fail "$what: stderr is not exactly one line: $(cat "$T/err")"
	case $(head -n1 "$T/err") in
	"libunion: UNION_LAYERS: "?*) ;;
	*) fail "$what: stderr does not start with 'libunion: UNION_LAYERS: ': $(cat "$T/err")" ;;
	esac
	case $want in
	"") ;;
	"~"*)
		grep -qF -- "${want#\~}" "$T/err" ||
			fail "$what: the message does not name '${want#\~}': $(cat "$T/err")"
		;;
	*) [ "$(cat "$T/err")" = "$want" ] ||
		fail "$what: message '$(cat "$T/err")', expected '$want'" ;;
	esac
	printf 'checked: %-50s -> %s\n' "$what" "$(cat "$T/err")"
}

bad "merged=$T/u:$T/l"				# relative MERGED
bad "$T/m=upper:$T/l"				# relative UPPER
bad "$T/m=$T/u:lower"				# relative LOWER
bad "$T/m=$T/u:$T/missing" "~$T/missing"	# missing lower, named
bad "$T/m=$T/u:$T/l:$T/also-missing" "~$T/also-missing"
bad "=$T/u:$T/l"				# empty MERGED
bad "$T/m=$T/u:$T/l;;$T/m2=$T/u:$T/l2"		# ;;
bad "$T/m=$T/u:$T/l;"				# an empty mount at the end
bad "$T/m=$T/u:$T/l\\"				# dangling escape
bad "$T/m=$T/u"					# no lower
bad "$T/m=$T/u:"				# an empty lower
bad "$T/m=:"					# read-only without a lower
bad "$T/m"					# no '='
bad "$T/m=$T/u:~/lower" "libunion: UNION_LAYERS: lower '~/lower' is not an absolute path"
echo "a file, not a directory" >"$T/notdir"
bad "$T/m=$T/u:$T/notdir" "~$T/notdir"		# a lower that is not a directory

# Unset or empty: the command runs normally, status passed through.
rc=0
out=$(env -u UNION_LAYERS LD_PRELOAD="$LIBUNION" /bin/sh -c 'cat "$T/l/f"; exit 3' 2>&1) || rc=$?
expect_eq "unset UNION_LAYERS: the command runs" "from lower/3" "$out/$rc"
rc=0
out=$(UNION_LAYERS= LD_PRELOAD=$LIBUNION /bin/sh -c 'cat "$T/l/f"; exit 4' 2>&1) || rc=$?
expect_eq "empty UNION_LAYERS: the command runs" "from lower/4" "$out/$rc"

# A valid value runs the command, and its status passes through.
rc=0
out=$(un_run "$T/m" "$T/u" "$T/l" -- /bin/sh -c 'cat "$T/m/f"; exit 5' 2>&1) || rc=$?
expect_eq "valid UNION_LAYERS: the command runs in the union" "from lower/5" "$out/$rc"

un_done
