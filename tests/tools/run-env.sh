#!/bin/bash
# run-env: UNION_LAYERS (escaped), LD_PRELOAD (prepended), $SHELL and nesting.
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/tools/toolslib.sh"
need_union

lib=$UNION_LIBRARY
# (In a sanitizer build the wrapper UNION_CMD put the ASan runtime in
# front of the old value: it then comes right after the library.)
san=${UN_SAN_RT:+:$UN_SAN_RT}
mkdir -p "$T/l1" "$T/l2"
echo one >"$T/l1/f1"
echo two >"$T/l2/f2"

# LD_PRELOAD: the library first, what was there kept after it.
other=$(ldconfig -p 2>/dev/null | awk '/libm\.so\.6 .*x86-64|libm\.so\.6 \(libc6/ { print $NF; exit }')
[ -n "$other" ] || other=$(find /lib /usr/lib -name 'libm.so.6' 2>/dev/null | head -n 1)
out=$(LD_PRELOAD=$other u run -l "$T/l1" -- printenv LD_PRELOAD)
expect_eq "LD_PRELOAD: the library first, the old value kept" "$lib$san:$other" "$out"
out=$(u run -l "$T/l1" -- printenv LD_PRELOAD)
expect_eq "LD_PRELOAD: just the library" "$lib$san" "$out"
out=$(LD_PRELOAD="$lib $other" u run -l "$T/l1" -- printenv LD_PRELOAD)
expect_eq "LD_PRELOAD: the library is not listed twice" "$lib$san:$other" "$out"

# UNION_LAYERS: lowers top first, `\ : ; =` escaped.
odd=$T/'odd:dir;with=and\back slash'
mkdir -p "$odd/lower" "$T/m"
echo odd >"$odd/lower/f"
out=$(u run -l "$odd/lower" -l "$T/l2" -u "$odd/up" -m "$T/m" -- printenv UNION_LAYERS)
esc=$(printf '%s' "$odd" | sed 's/[\\:;=]/\\&/g')
expect_eq "UNION_LAYERS: escaped, lowers top first" "$T/m=$esc/up:$esc/lower:$T/l2" "$out"
out=$(u run -l "$odd/lower" -l "$T/l2" -u "$odd/up" -m "$T/m" -- cat "$T/m/f" "$T/m/f2")
expect_eq "the escaped layers work" "odd
two" "$out"
expect_eq "the layers file escapes with \\xHH" "libunion-layers 1
merged $T/m
lower $(printf '%s' "$odd" | sed 's/\\/\\x5c/g; s/ /\\x20/g')/lower
lower $T/l2" "$(cat "$odd/up/.union/layers")"

# Relative paths are made absolute.
out=$(cd "$T" && u run -l l1 -u up1 -m ./m/../mm -- printenv UNION_LAYERS)
expect_eq "relative paths are made absolute" "$T/mm=$T/up1:$T/l1" "$out"

# $SHELL when no command is given, /bin/sh without SHELL.
cat >"$T/fake-shell" <<'SH'
#!/bin/sh
echo "fake shell: $UNION_LAYERS"
cat "$HOME_F"
SH
chmod +x "$T/fake-shell"
out=$(SHELL=$T/fake-shell HOME_F=$T/l1/f2 u run -l "$T/l1" -l "$T/l2" -u "$T/up2" </dev/null)
expect_eq "\$SHELL runs when no command is given" "fake shell: $T/l1=$T/up2:$T/l1:$T/l2
two" "$out"
out=$(echo 'echo "sh: $UNION_LAYERS"' | env -u SHELL "$UNION_CMD" run -l "$T/l1" -u "$T/up3")
expect_eq "/bin/sh without \$SHELL" "sh: $T/l1=$T/up3:$T/l1" "$out"

# The command is found and run through the union: a program only the
# upper holds, and one the upper changed, also through $PATH.
mkdir -p "$T/pl/bin" "$T/pu/bin"
printf '#!/bin/sh\necho lower tool\n' >"$T/pl/bin/tool"
printf '#!/bin/sh\necho upper tool\n' >"$T/pu/bin/tool"
printf '#!/bin/sh\necho only in the upper\n' >"$T/pu/bin/new-tool"
chmod 755 "$T/pl/bin/tool" "$T/pu/bin/tool" "$T/pu/bin/new-tool"
expect_eq "a program only the upper holds" "only in the upper" \
	"$(u run -l "$T/pl" -u "$T/pu" -- "$T/pl/bin/new-tool")"
expect_eq "a program the upper changed, by \$PATH" "upper tool" \
	"$(PATH=$T/pl/bin:$PATH u run -l "$T/pl" -u "$T/pu" -- tool)"
expect_eq "the same with a temporary upper made by the command" "made" \
	"$(u run -l "$T/pl" -- sh -c 'printf "#!/bin/sh\necho made\n" >"$1/bin/made" &&
		chmod +x "$1/bin/made" && "$UNION_CMD" --version >/dev/null && "$1/bin/made"' sh "$T/pl")"

# Nested: the outer union stays in force, except one at the same MERGED.
out=$(u run -l "$T/l1" -u "$T/up4" -- "$UNION_CMD" run -l "$T/l2" -u "$T/up5" -m "$T/m2" -- \
	sh -c 'printenv UNION_LAYERS; cat "$1/f2" "$2/f1"' sh "$T/m2" "$T/l1")
expect_eq "nested: both unions" "$T/m2=$T/up5:$T/l2;$T/l1=$T/up4:$T/l1
two
one" "$out"
out=$(u run -l "$T/l1" -u "$T/up4" -- "$UNION_CMD" run -l "$T/l1" -l "$T/l2" -u "$T/up6" -- \
	printenv UNION_LAYERS)
expect_eq "nested at the same MERGED: the inner one only" "$T/l1=$T/up6:$T/l1:$T/l2" "$out"

un_done
