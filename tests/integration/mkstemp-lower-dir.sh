#!/bin/bash
# mkstemp-lower-dir: the mkstemp family (mkstemp, mkostemp, mkstemps, mkdtemp) in lower-only and merged directories: files 0600 and directories 0700 in the upper; EINVAL, ENOENT.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

# calls sysop does not make, through libc with ctypes (tests/prog/callc.py)
cp "$TOP_SRCDIR/tests/prog/callc.py" "$T/callc.py"

setup() { make_small_tree "$1"; }

# Names with their random part masked.
masked='names "$1" | sed -E "s/(tmp|dir|suf)[A-Za-z0-9]{6}/\1XXXXXX/"'
export masked

action() {
	step '"$PYTHON" "$T/callc.py" mkstemp "$M/d2/deeper/tmpXXXXXX" -- mkostemp "$M/d/tmpXXXXXX" 524288 -- mkstemps "$M/e1/sufXXXXXX.c" 2 -- mkdtemp "$M/d2/dirXXXXXX"; for x in d2/deeper d e1 d2; do echo "$x:"; bash -c "$masked" - "$M/$x"; done'
	step 'stat -c "%a %F %s" "$M"/d2/deeper/tmp* "$M"/d/tmp* "$M"/e1/suf* "$M"/d2/dir*'
	step '"$PYTHON" "$T/callc.py" mkstemp "$M/d2/tooshortXXXX" -- mkstemp "$M/nodir/tmpXXXXXX" -- mkdtemp "$M/f1/dirXXXXXX" -- mkdtemp "$M/nodir/dirXXXXXX"'
	step 'f=$(mktemp "$M/d2/tmpXXXXXX"); echo data > "$f"; cat "$f"; dd=$(mktemp -d "$M/e2/dirXXXXXX"); touch "$dd/in"; ls "$dd"; bash -c "$masked" - "$M/e2"'
	# (the random names, made fixed for the final listing)
	step 'cd "$M" && find . \( -name "tmp??????" -o -name "dir??????" -o -name "suf??????.c" \) | sort -r | while read -r f; do mv "$f" "$(dirname "$f")/$(basename "$f" | sed -E "s/(tmp|dir|suf)[A-Za-z0-9]{6}/\1XXXXXX/")"; done; find . -name "*XXXXXX*" | sort'
}

compare_kernel_union mkstemp-lower-dir setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union mkstemp-lower-dir-nobody setup action
un_done
