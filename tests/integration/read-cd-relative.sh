#!/bin/bash
# read-cd-relative: chdir into the merged view (absent on disk), relative paths, getcwd.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_rich_tree "$1"; }

action() {
	step 'cd "$M" && pwd && /bin/pwd && ls && cat common.txt'
	step 'cd "$M/dir/sub" && pwd -P && /bin/pwd && cat ../a1.txt ../../only1.txt && ls ../.. | head -3 && cd ../.. && pwd -P'
	step 'cd "$M/dirlink" && pwd && pwd -P && /bin/pwd && ls && cd .. && pwd -P'
	step 'cd "$M/abs-dirlink" && pwd -P && ls && cat deep3.txt'
	step 'cd "$M/shape2" && ls && cd ../shape1'
	step 'cd "$M/dir" && env -i /bin/cat a1.txt && env -i /bin/pwd && sh -c "ls sub"'
	step 'cd "$M/dir" && "$PYTHON" -c "import os; print(os.getcwd()); print(sorted(os.listdir(\".\"))); print(os.path.realpath(\"../rel-link\"))"'
	step 'cd "$M" && find . -maxdepth 1 -type d | sort && realpath dirlink rel-link abs-link chain-link && realpath -e dangling'
	step 'cd "$M/nope"; cd "$M/private" && ls && pwd -P'
	step 'cd "$M/deep/a/b/c/d" && cat leaf.txt && cd ../../../../.. && pwd -P && ls -d deep/a/b'
	step 'cd "$M/dir" && (cd sub && pwd -P) && ls ./sub/../../dir/sub | head -2'
}

UN_MERGED_ABSENT=1 compare_kernel_union read-cd-relative setup action
un_done
