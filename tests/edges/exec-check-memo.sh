#!/bin/bash
# exec-check-memo: a shell's children remember the programs that passed exec's check (unwrapped.c's memo, issue 13): the children after the first run /bin/true without opening it; but a program changed since it was remembered is checked again and refused when it must be: rewritten in place into a static one of the same size with its old mtime put back (outside MERGED, and an upper copy in MERGED), made setgid to another group, replaced through the union by a copy-up; and a lower static program without execute permission answers the exec's EACCES, not libunion's refusal.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
need_no_sanitizer "the ASan runtime opens files of its own"
command -v strace >/dev/null || skip "strace is not installed"
static_prog static-hello static-hello.c

O=$T/o
mkdir -p "$O" "$T/u/bin" "$T/l/bin"
# dynamic programs as long as the static one (ELF ignores what follows),
# so that a rewrite keeps the size
size=$(stat -c %s "$T/static-hello")
for p in "$O/prog" "$O/gprog" "$T/l/bin/lprog"; do
	cp /bin/true "$p"
	[ "$(stat -c %s "$p")" -lt "$size" ] && truncate -s "$size" "$p"
done
cp "$T/static-hello" "$T/static-copy"
# a static program no one may run: the exec's EACCES, not a refusal
# (exec.c asks access(X_OK) before it reads a program it does not know)
cp "$T/static-hello" "$T/l/bin/lnox"
chmod 644 "$T/l/bin/lnox"
lowers_snapshot "$T/l"
_un_spec_to spec "$T/m" "$T/u" "$T/l"

# The shell: each program run three times (remembered after the first),
# changed, run again; every status printed.
rc=0
(cd "$T" && env -u UNION_SUPERVISOR -u UNION_UNWRAPPED_EXEC \
	UNION_LAYERS="$spec" LD_PRELOAD="$LIBUNION" \
	strace -f -qq -o "$T/trace" -e trace=open,openat,execve \
	bash --norc --noprofile -c '
	O=$1 M=$2 S=$3
	st() { echo "$1 $?"; }
	for i in 1 2 3 4 5 6 7 8; do /bin/true; done; st true
	# in place, same size, the old mtime put back: only ctime tells
	for i in 1 2 3; do "$O/prog"; done; st prog
	touch -r "$O/prog" "$O/ref"
	cat "$S" >"$O/prog"
	touch -r "$O/ref" "$O/prog"
	"$O/prog"; st prog-rewritten
	for i in 1 2 3; do "$O/gprog"; done; st gprog
	chgrp 65534 "$O/gprog" && chmod g+s "$O/gprog"
	"$O/gprog"; st gprog-setgid
	# a lower program replaced through the union (a copy-up: a new file)
	for i in 1 2 3; do "$M/bin/lprog"; done; st lprog
	cat "$S" >"$M/bin/lprog"
	"$M/bin/lprog"; st lprog-replaced
	# an upper copy rewritten in place (as prog above)
	cp /bin/true "$M/bin/uprog"
	truncate -s "$(stat -c %s "$S")" "$M/bin/uprog"
	for i in 1 2 3; do "$M/bin/uprog"; done; st uprog
	touch -r "$M/bin/uprog" "$O/ref"
	cat "$S" >"$M/bin/uprog"
	touch -r "$O/ref" "$M/bin/uprog"
	"$M/bin/uprog"; st uprog-rewritten
	"$M/bin/lnox"; st lnox-not-executable
	' sh "$O" "$T/m" "$T/static-copy") >"$T/out" 2>"$T/err" || rc=$?
expect_eq "the statuses (126: refused)" "true 0
prog 0
prog-rewritten 126
gprog 0
gprog-setgid 126
lprog 0
lprog-replaced 126
uprog 0
uprog-rewritten 126
lnox-not-executable 126/0" "$(cat "$T/out")/$rc"
refusals=$(grep -c '^libunion: refusing to run ' "$T/err" || true)
expect_eq "libunion's refusals on stderr" 4 "$refusals"

# The children that exec /bin/true, and their opens of it: the first
# checks it; the others take the shell's memory of that check.
read -r children opens < <(awk '
	/execve\("\/bin\/true"/ { child[$1] = 1 }
	/open(at)?\(.*"\/bin\/true"/ { n[$1]++ }
	END { for (p in child) { c++; o += n[p] }; print c + 0, o + 0 }' \
	"$T/trace")
expect_eq "children that exec /bin/true" 8 "$children"
expect_eq "opens of /bin/true in them (the first child's check only)" \
	1 "$opens"
lowers_check
un_done
