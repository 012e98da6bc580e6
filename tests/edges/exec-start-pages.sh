#!/bin/bash
# exec-start-pages: two page faults of every exec under the library stay away (issue 13, bench/README.md "Session 19 (exec19)"): the exec path's code (segment.ld's .un_exec: a new process's start-up, a shell child's way to exec) reads no switch's jump table, which lies in .rodata (init_early's and env_build's switch over un_env_var were a fault of .rodata in every new process and in every child that execs; the build's -fno-jump-tables), and the constructor's first touch of init_state's page of .bss is a write (.bss lies in the file: a load first mapped the page, the exchange after it copied it, two faults where one does).  And a process so started still reads its environment: a union's cwd, LD_LIBRARY_PATH, a program in the lower run by a shell's child, as root and as nobody.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
command -v objdump >/dev/null ||
	skip "objdump (binutils) is not installed"
[ "$(uname -m)" = x86_64 ] ||
	skip "the code is read as x86-64's"

objdump -d --no-show-raw-insn -j .un_exec "$LIBUNION_SO" >"$T/dis" \
	2>/dev/null || skip "objdump cannot read $LIBUNION_SO's .un_exec"
got=$("$PYTHON" -S - "$T/dis" <<'PY'
import re, sys
# A jump table (gcc's and clang's, position-independent): a 4-byte entry
# loaded by index, then an indirect jump through a register, a few
# instructions apart.  (A tail call through a pointer in memory,
# jmp *0x..(%rip), is not one.)
tables, fn, since, ctor, first = [], None, 99, [], None
for line in open(sys.argv[1]):
    m = re.match(r'^[0-9a-f]+ <([^>]+)>:$', line)
    if m:
        fn, since = m.group(1), 99
        continue
    if re.search(r'\tmovslq\s+\(%r\w+,%r\w+,4\)', line):
        since = 0
    elif re.search(r'\tjmp\s+\*%r\w+', line) and since <= 4:
        tables.append(fn)
    since += 1
    # un_constructor's first instruction that names init_state
    if fn == 'un_constructor' and first is None and '<init_state>' in line:
        first = line.split('\t')[-1].split()[0:2]
print(','.join(sorted(set(tables))) or '-',
      '_'.join(first) if first else 'none')
PY
)
read -r tables first <<<"$got"
if [ -n "${UN_PRELOAD_FIRST:-}" ]; then
	# (the instrumented code checks its accesses first)
	echo "SKIP: (part) the code of a sanitizer build"
else
	expect_eq "switch jump tables in libunion.so's .un_exec" - "$tables"
	case $first in
	lock_cmpxchg*) echo "ok: the constructor writes init_state first ($first)" ;;
	*) fail "the constructor's first access of init_state is not a write: $first" ;;
	esac
fi

# Such a start, as it was: the environment's variables each read.
run() {
	local d=$T/$1 got
	mkdir -p "$d/u" "$d/l/d" "$d/l/bin" "$d/lib"
	echo x >"$d/l/d/f"
	printf '#!/bin/sh\necho "ld=$LD_LIBRARY_PATH"\n' >"$d/l/bin/show"
	chmod +x "$d/l/bin/show"
	[ "$1" = nobody ] && chown -R 65534:65534 "$d"
	lowers_snapshot "$d/l"
	got=$(cd "$d" && $2 env UNION_LAYERS="$(un_spec "$d/m" "$d/u" \
		"$d/l")" LD_PRELOAD="$LIBUNION" LD_LIBRARY_PATH="$d/lib" \
		bash --norc --noprofile -c 'cd "$1/d" && /bin/pwd &&
		 cat f && ../bin/show' sh "$d/m" 2>&1) || true
	expect_eq "$1: pwd, a read, a lower script's LD_LIBRARY_PATH" \
		"$d/m/d
x
ld=$d/lib" "$got"
	lowers_check
}

run_self_then_nobody run
un_done
