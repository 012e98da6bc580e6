#!/bin/bash
# noent-creat: creating new names: in the root, in lower-only directories (parents copied up), errors.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_small_tree "$1"; }

action() {
	step 'echo new > "$M/new-root"; show "$M/new-root"'
	step 'echo in-lower-dir > "$M/d2/deeper/new"; show "$M/d2/deeper/new" "$M/d2/deeper" "$M/d2"'
	step 'echo deep > "$M/d/sub/new"; show "$M/d/sub"'
	step 'echo x > "$M/no-such-dir/file"; echo x > "$M/f1/file"; echo x > "$M/link-f1/file"'
	step 'touch "$M/e2/t" && show "$M/e2"; touch "$M/link-d/via-link"; names "$M/d"'
	step 'cd "$M/d2/deeper" && echo rel > relative && cat relative && ls'
	step 'umask 077; echo private > "$M/d/sub/priv"; st "$M/d/sub/priv"'
}

compare_kernel_union noent-creat setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union noent-creat-nobody setup action
un_done
