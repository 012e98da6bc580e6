#!/bin/bash
# bad-names: names with newlines, backslashes, colons, '=', ';', spaces, non-UTF-8 bytes, literal escape sequences and 255 bytes, created, listed and deleted through the view (the whiteout table must round-trip them), against a kernel overlay.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

# The names, as Python bytes literals (one a line).
cat >"$T/names.py" <<'PY'
NAMES = [
    b"new\nline", b"back\\slash", b"co:lon", b"eq=ual", b"semi;colon",
    b"sp ace", b"tab\tname", b"\xff\xfe-not-utf8", b"caf\xc3\xa9",
    b"lit\\x41eral", b"\\x0a", b"pct%41", b"-dash", b".hidden",
    b"ends-with-space ", b"n" * 255, b"\xc3\xa9" * 127 + b"z",
    b"\x01ctrl", b"del\x7f", b"w x", b"- not-a-cancel", b"o opaque-look",
]
PY
cat >"$T/names-step.py" <<'PY'
import os, sys
sys.path.insert(0, os.environ["T"])
from names import NAMES
M = os.fsencode(os.environ["M"])
what = sys.argv[1]
def j(*p):
    return b"/".join((M,) + p)
def show(d):
    for n in sorted(os.listdir(j(d) if d else M)):
        print(repr(n))
if what == "list":
    show(sys.argv[2].encode() if len(sys.argv) > 2 else b"")
elif what == "delete-lower":
    for n in NAMES:
        try:
            os.unlink(j(b"low", n))
            print("unlink", repr(n), "ok")
        except OSError as e:
            print("unlink", repr(n), e.strerror)
elif what == "create":
    for n in NAMES:
        try:
            with open(j(b"new", n), "wb") as f:
                f.write(n + b"\n")
            print("create", repr(n), "ok")
        except OSError as e:
            print("create", repr(n), e.strerror)
elif what == "delete-some":
    for n in NAMES[::2]:
        os.unlink(j(b"new", n))
    for n in NAMES[1::2]:
        # a directory made where a lower name was deleted: opaque
        os.mkdir(j(b"low", n))
        os.mkdir(j(b"low", n, b"sub"))
    print("done")
elif what == "check":
    for n in NAMES:
        try:
            with open(j(b"new", n), "rb") as f:
                assert f.read() == n + b"\n"
        except FileNotFoundError:
            pass
    for n in NAMES[1::2]:
        print(repr(n), sorted(os.listdir(j(b"low", n))))
    for n in NAMES[::2]:
        print(repr(n), os.path.lexists(j(b"low", n)))
PY

setup() {
	local d=$1
	mkdir -p "$d/upper" "$d/lower1/low" "$d/lower1/new"
	"$PYTHON" - "$d/lower1/low" <<'PY'
import os, sys
sys.path.insert(0, os.environ["T"])
from names import NAMES
for n in NAMES:
    p = os.path.join(os.fsencode(sys.argv[1]), n)
    with open(p, "wb") as f:
        f.write(b"lower " + n + b"\n")
PY
	echo keep >"$d/lower1/low/zz-keep"
}

action() {
	step '"$PYTHON" "$T/names-step.py" list low'
	step '"$PYTHON" "$T/names-step.py" delete-lower'
	step '"$PYTHON" "$T/names-step.py" list low'
	step '"$PYTHON" "$T/names-step.py" create'
	step '"$PYTHON" "$T/names-step.py" list new'
	step '"$PYTHON" "$T/names-step.py" delete-some'
	# another process from here on: the table read back from the file
	step '"$PYTHON" "$T/names-step.py" list low'
	step '"$PYTHON" "$T/names-step.py" list new'
	step '"$PYTHON" "$T/names-step.py" check'
	step 'ls -b "$M/low" | head -n 40'
}

check() {
	[ "$1" = union ] || return 0
	# The table is well formed: every record line is "op escaped-path".
	local bad
	bad=$(tail -n +2 "$2/upper/.union/whiteouts" | grep -cvE '^[wo-] [!-~]+$' || true)
	[ "$bad" = 0 ] || fail "the whiteout table holds $bad line(s) that are not 'op escaped-path'"
}

compare_kernel_union bad-names setup action check
un_done
