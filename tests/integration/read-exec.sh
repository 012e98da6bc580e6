#!/bin/bash
# read-exec: programs and scripts that lie in lowers, run through the merged view.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	local d=$1
	mkdir -p "$d/upper" "$d/lower1" "$d/lower2"
	mkf "$d/lower2/bin/hello" 755 '#!/bin/sh
echo "hello from $0 in $(pwd -P)"'
	mkf "$d/lower1/bin/chain" 755 "#!$M/bin/interp
chained"
	mkf "$d/lower1/bin/interp" 755 '#!/bin/sh
echo "interp got $1"; cat "$1"'
	mkf "$d/lower2/bin/noexec" 644 '#!/bin/sh
echo should not run'
	cp /bin/true "$d/lower1/bin/true-copy"
	mkl hello "$d/lower1/bin/hello-link"
	mkf "$d/upper/bin/up" 755 '#!/bin/bash
echo "up: ${BASH_SOURCE[0]}"'
}

action() {
	step '"$M/bin/hello"; "$M/bin/hello-link"; "$M/bin/up"'
	step 'PATH="$M/bin:$PATH" hello && PATH="$M/bin:$PATH" up && PATH="$M/bin:$PATH" command -v hello'
	step '"$M/bin/chain"'
	step '"$M/bin/noexec"; "$M/bin/nope"; "$M/bin"'
	step '"$M/bin/true-copy" && echo true-copy ran'
	step 'cd "$M/bin" && ./hello && sh hello && env -i ./hello'
	step 'PATH="$M/bin:$PATH" "$PYTHON" -c "import subprocess; print(subprocess.run([\"hello\"], capture_output=True, text=True).stdout.strip())"'
	step 'find "$M/bin" -type f -exec {} \; 2>&1 | sort'
}

compare_kernel_union read-exec setup action
un_done
