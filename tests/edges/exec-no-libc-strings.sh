#!/bin/bash
# exec-no-libc-strings: the code a shell's forked child runs on its way to exec a program outside the union from a merged cwd (the exec wrapper's un_path_outside_exec, the program memo's stat, the child's environment with UNION_CWD) calls none of libc's string functions, syscall() nor sbrk through the PLT (preload/exec_str.h: their 64 KiB windows of libc's text, touched for nothing else there, were ~2.6 page faults of every /bin/true a shell ran, issue 13, bench/README.md "Session 16 (exec)").  And such an exec still works, its UNION_CWD and its EFAULT, as root and as nobody.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
command -v objdump >/dev/null ||
	skip "objdump (binutils) is not installed"
[ "$(uname -m)" = x86_64 ] ||
	skip "the memo's stat is a system call of its own on x86-64 only"

# The PLT calls of each function (gcc may add .isra/.constprop/.part
# to a name: the stem counts).
objdump -d --no-show-raw-insn "$LIBUNION_SO" >"$T/dis" 2>/dev/null ||
	skip "objdump cannot read $LIBUNION_SO"
got=$("$PYTHON" -S - "$T/dis" <<'PY'
import re, sys
# what runs in a shell's child for `/bin/true` from a merged cwd, and
# what each may call (un_path_outside_exec's sbrk: only where the break
# is unknown, in a process that never forked)
roots = {'exec_at': (), 'un_path_outside_exec': ('sbrk',),
         'exec_with_env': (), 'env_size': (), 'env_build': (),
         'preload_copy': (), 'cwd_var': (), 'un_cwd_get_exec': (),
         'un_cwd_room': (), 'memo_look': (), 'stat_path': ()}
banned = {'strlen', 'strnlen', 'strchr', 'strrchr', 'strchrnul',
          'stpcpy', 'strcpy', 'memcpy', 'memmove', 'memcmp', 'strcmp',
          'strncmp', 'memchr', 'syscall', 'sbrk', '__errno_location'}
seen, bad, fn = set(), [], None
for line in open(sys.argv[1]):
    m = re.match(r'^[0-9a-f]+ <([^>]+)>:$', line)
    if m:
        stem = m.group(1).split('.')[0]
        fn = stem if stem in roots else None
        if fn:
            seen.add(fn)
        continue
    if fn:
        c = re.search(r'\s(?:call|jmp)\s+[0-9a-f]+ <([^@>]+)@plt>', line)
        if c and c.group(1) in banned and c.group(1) not in roots[fn]:
            bad.append('%s:%s' % (fn, c.group(1)))
# (inlined ones have no symbol; the wrapper and the new entries must)
missing = [f for f in ('exec_at', 'un_path_outside_exec', 'un_cwd_get_exec')
           if f not in seen]
print(' '.join(sorted(set(bad))) or '-', ' '.join(missing) or '-')
PY
)
read -r bad missing <<<"$got"
expect_eq "the exec path's functions found in $LIBUNION_SO" - "$missing"
if [ -n "${UN_PRELOAD_FIRST:-}" ]; then
	echo "SKIP: (part) the calls of a sanitizer build (its interceptors)"
else
	expect_eq "libc string functions, syscall or sbrk called on exec's way" \
		- "$bad"
fi

# Such an exec, as it was: the program runs with the merged cwd, and a
# bad path is EFAULT.
run() {
	local d=$T/$1 got
	mkdir -p "$d/u" "$d/l/d"
	echo x >"$d/l/d/f"
	[ "$1" = nobody ] && chown -R 65534:65534 "$d"
	lowers_snapshot "$d/l"
	got=$(cd "$d" && $2 env UNION_LAYERS="$(un_spec "$d/m" "$d/u" \
		"$d/l")" LD_PRELOAD="$LIBUNION" bash --norc --noprofile -c \
		'cd "$1/d" && /bin/pwd && /bin/sh -c "pwd; cat f" &&
		 "$2" -c "import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.execv(ctypes.c_void_p(1), None)
print(ctypes.get_errno())"' sh "$d/m" "$PYTHON" 2>&1) || true
	expect_eq "$1: pwd, a child's cwd and read, a bad path's errno" \
		"$d/m/d
$d/m/d
x
14" "$got"
	lowers_check
}

run_self_then_nobody run
un_done
