#!/bin/bash
# seed-walkthrough.sh - the walkthrough of shared/seed-walkthrough.md, run.
#
#   bash examples/seed-walkthrough.sh [path/to/libunion.so]
#
# Two directories, `lower` and `upper`, shown as one `merged` directory:
# the classic overlay demonstration, done by an ordinary user with no
# mount.  Each step prints the command it runs and what it printed, then
# whether the result is what the walkthrough promises.  The exit status
# is 0 when every step holds, 1 otherwise.  (libunion may create its
# reserved upper/.union/ at any time; the checks leave it out.)  Step 7 (the same with kernel
# overlayfs) needs root and is skipped without it.  `make demo` runs this.

set -u

# The argument is what goes into LD_PRELOAD: the library, possibly after
# other libraries (a sanitizer runtime), separated by spaces.
lib=${1:-$(dirname "$0")/../preload/.libs/libunion.so}
so=${lib##* }
if [ ! -f "$so" ]; then
	echo "seed-walkthrough: $so not found (build first: make)" >&2
	exit 1
fi
first=${lib%"$so"}
lib=$first$(cd "$(dirname "$so")" && pwd)/$(basename "$so")

T=$(mktemp -d "${TMPDIR:-/tmp}/seed-walkthrough.XXXXXX")
mounted=
cleanup() {
	[ -n "$mounted" ] && umount "$mounted" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
cd "$T" || exit 1
export LC_ALL=C

failed=0
step_no=0

say() { printf '%s\n' "$*"; }

title() {
	step_no=$((step_no + 1))
	printf '\n== Step %d: %s ==\n' "$step_no" "$*"
}

# show CMD: print the command as typed in $T, run it, indent its output.
# The output (stdout and stderr) is left in $out, the status in $status.
show() {
	printf '$ %s\n' "$1"
	out=$(bash -c "$1" 2>&1)
	status=$?
	[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/    /'
	[ "$status" = 0 ] || printf '    (exit status %d)\n' "$status"
	return 0
}

# check WHAT CONDITION...: print the verdict of one promise.
check() {
	local what=$1
	shift
	if "$@"; then
		say "  ok: $what"
	else
		say "  NOT AS PROMISED: $what"
		failed=$((failed + 1))
	fi
}

same() { [ "$1" = "$2" ]; }
tree_of() { (cd "$1" && find . -path ./.union -prune -o -printf '%P %y %s\n' | sed '/^ d/d' | sort); }

# The layers of the walkthrough, made fresh.
mkdir lower upper
echo "I'm from lower!" >lower/in_lower.txt
echo "I'm from upper!" >upper/in_upper.txt
echo "I'm from lower!" >lower/in_both.txt
echo "I'm from upper!" >upper/in_both.txt
lower_before=$(tree_of lower; cat lower/*)
upper_before=$(tree_of upper)

say "The layers are in $T (cwd): lower/ and upper/; merged/ does not exist."
say "Every command below runs with"
say "    UNION_LAYERS=$T/merged=$T/upper:$T/lower"
say "    LD_PRELOAD=$lib"
export UNION_LAYERS=$T/merged=$T/upper:$T/lower LD_PRELOAD=$lib

title "the upper wins"
show 'cat merged/in_both.txt'
check "merged/in_both.txt is the upper's" same "$out" "I'm from upper!"

title "one listing of both layers"
show 'find merged | sort'
check "find lists in_both.txt, in_lower.txt and in_upper.txt once each" same "$out" \
	"merged
merged/in_both.txt
merged/in_lower.txt
merged/in_upper.txt"
unset UNION_LAYERS LD_PRELOAD
check "lower/ and upper/ still hold what they held" \
	same "$(tree_of lower; cat lower/*)|$(tree_of upper)" "$lower_before|$upper_before"
export UNION_LAYERS=$T/merged=$T/upper:$T/lower LD_PRELOAD=$lib

title "a new file lands in the upper"
show "echo 'new file' > merged/new_file; ls -l --time-style=+%s merged/new_file upper/new_file"
unset UNION_LAYERS LD_PRELOAD
check "upper/new_file holds 'new file'" same "$(cat upper/new_file 2>&1)" "new file"
check "lower/ is unchanged" same "$(tree_of lower; cat lower/*)" "$lower_before"
l1=$(printf '%s\n' "$out" | sed -n 1p | sed 's/ merged\/new_file$//')
l2=$(printf '%s\n' "$out" | sed -n 2p | sed 's/ upper\/new_file$//')
check "ls -l merged/new_file and ls -l upper/new_file agree" same "$l1" "$l2"
export UNION_LAYERS=$T/merged=$T/upper:$T/lower LD_PRELOAD=$lib

title "deleting a name that both layers hold"
show 'rm merged/in_both.txt; cat merged/in_both.txt'
check "merged/in_both.txt is gone (ENOENT)" same "$out" \
	"cat: merged/in_both.txt: No such file or directory"
unset UNION_LAYERS LD_PRELOAD
show 'ls -la upper; cat lower/in_both.txt; cat upper/.union/whiteouts'
check "lower/in_both.txt is still there, unchanged" same "$(cat lower/in_both.txt)" "I'm from lower!"
check "upper/ shows no in_both.txt at all (no device file)" \
	eval '[ ! -e upper/in_both.txt ] && [ ! -L upper/in_both.txt ]'
check "the deletion is a record in upper/.union/whiteouts" \
	grep -qs in_both.txt upper/.union/whiteouts
export UNION_LAYERS=$T/merged=$T/upper:$T/lower LD_PRELOAD=$lib

title "deleting a name that only the lower holds"
show 'rm merged/in_lower.txt; ls merged; cat merged/in_lower.txt'
check "merged/in_lower.txt is gone" same "$out" "in_upper.txt
new_file
cat: merged/in_lower.txt: No such file or directory"
unset UNION_LAYERS LD_PRELOAD
check "lower/in_lower.txt is still there, unchanged" same "$(cat lower/in_lower.txt)" "I'm from lower!"
check "the deletion is a record in upper/.union/whiteouts" \
	grep -qs in_lower.txt upper/.union/whiteouts
check "lower/ is unchanged" same "$(tree_of lower; cat lower/*)" "$lower_before"

title "several lowers: the first one listed wins"
mkdir dir1 dir2 dir3
echo "shared from dir1" >dir1/shared.txt
echo "shared from dir2" >dir2/shared.txt
echo "shared from dir3" >dir3/shared.txt
echo "only in dir2" >dir2/two.txt
echo "only in dir3" >dir3/three.txt
echo "dir2's, under dir1's" >dir2/twice.txt
echo "dir1's" >dir1/twice.txt
mkdir upper6
say "(dir1, dir2, dir3 hold shared.txt; a fresh upper6)"
export UNION_LAYERS=$T/merged=$T/upper6:$T/dir1:$T/dir2:$T/dir3 LD_PRELOAD=$lib
say "UNION_LAYERS=$UNION_LAYERS"
show 'cat merged/shared.txt merged/twice.txt merged/two.txt merged/three.txt; ls merged'
check "dir1's name hides dir2's and dir3's" same "$out" "shared from dir1
dir1's
only in dir2
only in dir3
shared.txt
three.txt
twice.txt
two.txt"
unset UNION_LAYERS LD_PRELOAD

title "the same as kernel overlayfs"
if [ "$(id -u)" != 0 ]; then
	say "  skipped: the kernel comparison needs root (mount -t overlay)."
else
	# The kernel's copy of the first layers, with the same changes.
	mkdir -p k/lower k/upper k/work k/merged
	echo "I'm from lower!" >k/lower/in_lower.txt
	echo "I'm from upper!" >k/upper/in_upper.txt
	echo "I'm from lower!" >k/lower/in_both.txt
	echo "I'm from upper!" >k/upper/in_both.txt
	if mount -t overlay overlay -o "lowerdir=$T/k/lower,upperdir=$T/k/upper,workdir=$T/k/work" "$T/k/merged"; then
		mounted=$T/k/merged
		echo 'new file' >k/merged/new_file
		rm k/merged/in_both.txt k/merged/in_lower.txt
		kview=$(cd k/merged && for f in $(ls -A); do printf '%s: %s %s\n' "$f" "$(stat -c '%F %a %s' "$f")" "$(cat "$f")"; done)
		umount "$T/k/merged"
		mounted=
		uview=$(UNION_LAYERS=$T/merged=$T/upper:$T/lower LD_PRELOAD=$lib bash -c \
			'cd merged && for f in $(ls -A); do printf "%s: %s %s\n" "$f" "$(stat -c "%F %a %s" "$f")" "$(cat "$f")"; done' 2>&1)
		say "kernel overlayfs, after steps 3-5:"
		printf '%s\n' "$kview" | sed 's/^/    /'
		say "libunion, after steps 3-5:"
		printf '%s\n' "$uview" | sed 's/^/    /'
		check "libunion shows what the kernel shows" same "$uview" "$kview"

		mkdir -p k/up6 k/work6
		mount -t overlay overlay -o "lowerdir=$T/dir1:$T/dir2:$T/dir3,upperdir=$T/k/up6,workdir=$T/k/work6" "$T/k/merged" &&
			mounted=$T/k/merged
		kview=$(cd k/merged && ls -A && cat shared.txt twice.txt)
		umount "$T/k/merged"
		mounted=
		uview=$(UNION_LAYERS=$T/merged=$T/upper6:$T/dir1:$T/dir2:$T/dir3 LD_PRELOAD=$lib bash -c \
			'cd merged && ls -A && cat shared.txt twice.txt' 2>&1)
		check "with three lowers too" same "$uview" "$kview"
	else
		say "  NOT AS PROMISED: the kernel refused the overlay mount"
		failed=$((failed + 1))
	fi
fi

title "a mistake says what is wrong"
show "UNION_LAYERS=\"\$PWD/merged=\$PWD/upper:~/lower\" LD_PRELOAD=\"$lib\" ls merged"
check "the message names the unexpanded ~" same "$out" \
	"libunion: UNION_LAYERS: lower '~/lower' is not an absolute path"
check "exit status 125" same "$status" 125
show "UNION_LAYERS=\"\$PWD/merged=\$PWD/upper:\$PWD/no-such-dir\" LD_PRELOAD=\"$lib\" ls merged"
check "a missing directory is named as missing" eval \
	'printf "%s\n" "$out" | grep -q "^libunion: UNION_LAYERS: .*$T/no-such-dir"'
check "one line only" same "$(printf '%s\n' "$out" | wc -l)" 1
check "exit status 125" same "$status" 125
show "UNION_LAYERS=\"\$PWD/merged=\$PWD/upper:\$PWD/lower\" LD_PRELOAD=\"$lib\" sh -c 'touch ran; echo ran'"
check "(and a correct value runs the command)" same "$out" "ran"

printf '\n'
if [ "$failed" -gt 0 ]; then
	say "$failed promise(s) of the walkthrough did not hold."
	exit 1
fi
say "Every step of the walkthrough held."
exit 0
