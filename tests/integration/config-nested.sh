#!/bin/bash
# config-nested: nested MERGED paths (the longest prefix wins) and escaped : = ; \ in layer paths.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

need_harness_off
need_lib || un_done

mkdir -p "$T/u1" "$T/l1/sub" "$T/u2" "$T/l2"
echo "l1 a" >"$T/l1/a.txt"
echo "l1 sub file" >"$T/l1/sub/from-l1"
echo "l2 b" >"$T/l2/b.txt"
mkdir -p "$T/l2/dd"
echo "l2 dd c" >"$T/l2/dd/c.txt"

for order in outer-first inner-first; do
	rm -rf "$T/u1" "$T/u2"
	mkdir -p "$T/u1" "$T/u2"
	outer=$(un_spec "$T/m" "$T/u1" "$T/l1")
	inner=$(un_spec "$T/m/sub" "$T/u2" "$T/l2")
	if [ $order = outer-first ]; then
		spec="$outer;$inner"
	else
		spec="$inner;$outer"
	fi
	out=$(UNION_LAYERS=$spec LD_PRELOAD=$LIBUNION bash -c '
		cat "$T/m/a.txt" "$T/m/sub/b.txt"
		ls "$T/m/sub"
		echo "new" > "$T/m/sub/new"
		echo "top" > "$T/m/top"
		cd "$T/m/sub" && cat b.txt && ls .. | sort | tr "\n" " "; echo
		cat "$T/m/sub/from-l1"
		# (Relative from the outer union: the walk enters the inner.)
		cd "$T/m" && cat sub/b.txt sub/dd/c.txt ./sub/dd/c.txt
	' 2>&1) || true
	expect_eq "nested ($order): the inner mount answers under $T/m/sub" \
		"l1 a
l2 b
b.txt
dd
l2 b
a.txt sub top 
cat: $T/m/sub/from-l1: No such file or directory
l2 b
l2 dd c
l2 dd c" "$out"
	expect_eq "nested ($order): writes go to the inner upper" \
		"new" "$(cat "$T/u2/new" 2>&1)"
	expect_eq "nested ($order): nothing in the outer upper's sub" \
		"absent" "$([ -e "$T/u1/sub/new" ] && echo present || echo absent)"
	expect_eq "nested ($order): the outer upper holds top" "top" "$(cat "$T/u1/top" 2>&1)"
done

# Layer and merged paths with the four special characters.
for n in 'up:per' 'lo=wer' 'se;mi' 'back\slash' 'me:r=g;e\d'; do
	mkdir -p "$T/$n"
done
echo "from lo=wer" >"$T/lo=wer/f"
echo "from se;mi" >"$T/se;mi/g"
echo "from back\\slash" >"$T/back\\slash/h"
out=$(un_run "$T/me:r=g;e\\d" "$T/up:per" "$T/lo=wer" "$T/se;mi" "$T/back\\slash" -- bash -c '
	M="$T/me:r=g;e\\d"
	cat "$M/f" "$M/g" "$M/h"; ls "$M" | tr "\n" " "; echo
	echo written > "$M/w"' 2>&1) || true
expect_eq "escaped paths: every layer is found" \
	'from lo=wer
from se;mi
from back\slash
f g h ' "$out"
expect_eq "escaped paths: the upper is up:per" "written" "$(cat "$T/up:per/w" 2>&1)"

# The same, spelled by hand (not through un_escape).
rm -f "$T/up:per/w"
out=$(UNION_LAYERS="$T/m2=$T/up\\:per:$T/lo\\=wer:$T/se\\;mi:$T/back\\\\slash" LD_PRELOAD=$LIBUNION \
	bash -c 'cat "$T/m2/f" "$T/m2/g" "$T/m2/h"' 2>&1) || true
expect_eq "hand-escaped UNION_LAYERS" 'from lo=wer
from se;mi
from back\slash' "$out"

# Two mounts side by side that share a prefix of characters, not of
# components: $T/m3 and $T/m3x.
mkdir -p "$T/l3" "$T/l3x" "$T/u3" "$T/u3x"
echo three >"$T/l3/f"
echo threex >"$T/l3x/f"
out=$(UNION_LAYERS="$(un_spec "$T/m3" "$T/u3" "$T/l3");$(un_spec "$T/m3x" "$T/u3x" "$T/l3x")" \
	LD_PRELOAD=$LIBUNION bash -c 'cat "$T/m3/f" "$T/m3x/f"' 2>&1) || true
expect_eq "prefixes match whole components" "three
threex" "$out"

un_done
