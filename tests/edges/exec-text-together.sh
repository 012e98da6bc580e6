#!/bin/bash
# exec-text-together: the code a shell's forked child runs on its way to exec (the fork handler, sigaction, execve, the program's check, UNION_CWD's cwd, a redirection's open, dup2 and close) and a new process's start-up lie within 64 KiB of each other in libunion.so (one or two windows), with the names un_env_var compares, the parse's delimiters and the real functions' names (UN_EXEC_RODATA: in .rodata they were one window more) (UN_EXEC_TEXT: each window a child first runs is a page fault there, issue 13), the section right after the PLT (segment.ld's .un_exec, before .text's cold parts), and the library has no DT_FINI (crti.o's empty _fini, after the whole of .text, was a fault at every exit).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_harness_off
need_lib || un_done
command -v nm >/dev/null && command -v readelf >/dev/null ||
	skip "nm and readelf (binutils) are not installed"
[ "$(uname -m)" = x86_64 ] ||
	skip "the section is checked where the stubs are lazy (x86-64)"

# The functions' addresses (local symbols: a build with symbols, as
# the library is built; a stripped one has none to check).
nm "$LIBUNION_SO" | awk '$2 ~ /^[tT]$/ { print $1, $3 }' >"$T/syms"
[ -s "$T/syms" ] || skip "libunion.so has no symbol table (stripped)"
# The names un_env_var compares, wherever they lie (a compiler may also
# fold them into the code: then there is no symbol, and nothing read).
nm "$LIBUNION_SO" | awk 'NF == 3 { print $1, $3 }' >"$T/all"
want="fork sigaction execve exec_at un_path_outside un_path_outside_exec
un_cwd_get_exec un_exec_check
un_exec_check_head un_cwd_get_at un_env_var un_config_find
un_config_parse un_lazy_common un_real_resolve un_nextsym
open un_open un_mounts_open dup2 close un_fd_forget un_fd_dup
un_fifo_forget un_fifo_dup un_dents_forget un_watch_closed"
# (and the field delimiters of the parse, and the stubs' names a new
# process resolves first: in .rodata, each a fault at every start)
consts="env_preload env_layers env_cwd env_oci to_merged to_layer
un_name_stat un_name_lstat un_name_open"
span=$("$PYTHON" -S - "$T/syms" "$T/all" "$consts" $want <<'PY'
import sys
def table(path):
    addr = {}
    for line in open(path):
        a, name = line.split()
        addr.setdefault(name, int(a, 16))
    return addr
code, every = table(sys.argv[1]), table(sys.argv[2])
consts, want = sys.argv[3].split(), sys.argv[4:]
missing = [f for f in want if f not in code]
if missing:
    print('missing: ' + ' '.join(missing))
else:
    at = [code[f] for f in want] + [every[c] for c in consts if c in every]
    print(max(at) - min(at))
PY
)
case $span in
[0-9]*)
	if [ -n "${UN_PRELOAD_FIRST:-}" ]; then
		# (The instrumentation makes the code ~3x larger: the windows
		# are the plain build's, which processes run.)
		echo "SKIP: (part) the span ($span bytes) in a sanitizer build"
	elif [ "$span" -lt 65536 ]; then
		echo "ok: exec's functions within $span bytes"
	else
		fail "exec's functions span $span bytes of libunion.so, not 64 KiB"
	fi ;;
*)
	fail "exec's functions not found in libunion.so: $span" ;;
esac
# The section right after the PLT (segment.ld's .un_exec), not after
# .text's cold parts: a child's first call through the PLT and its
# exec's code then share a 64 KiB window more often (issue 13,
# bench/README.md "Session 16 (exec)").
gap=$(readelf -SW "$LIBUNION_SO" | "$PYTHON" -S -c '
import sys
at = {}
for line in sys.stdin:
    f = line.replace("[ ", "[").split()
    if len(f) > 6 and f[1] in (".plt", ".plt.got", ".plt.sec", ".un_exec"):
        at[f[1]] = (int(f[3], 16), int(f[5], 16))
if ".un_exec" not in at or ".plt" not in at:
    print("none")
else:
    end = max(a + n for k, (a, n) in at.items() if k != ".un_exec")
    print(at[".un_exec"][0] - end)
')
case $gap in
[0-9] | [0-9][0-9] | [0-9][0-9][0-9])
	echo "ok: .un_exec begins $gap bytes after the PLT" ;;
*)
	fail "libunion.so's .un_exec does not follow its PLT (gap: $gap; segment.ld)" ;;
esac
expect_eq "DT_FINI entries of libunion.so" 0 \
	"$(readelf -dW "$LIBUNION_SO" | grep -c '(FINI)' || true)"
un_done
