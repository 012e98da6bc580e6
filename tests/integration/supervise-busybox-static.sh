#!/bin/bash
# supervise-busybox-static: a static busybox runs inside the union under
# the seccomp supervisor (issue 12 part 2): reads, listings, copies,
# renames, removals, links, modes, times and tar over MERGED give what
# the kernel overlay mount gives, the changes land in the upper and the
# lowers stay as they were; as root and as nobody.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

BB=/bin/busybox
need_static_busybox() {
	[ -x "$BB" ] && file -L "$BB" 2>/dev/null | grep -q 'statically linked' ||
		skip "no static $BB (Debian: busybox-static)"
}
need_static_busybox
# The supervisor beside the library's build tree (tools/union-supervise).
UNION_SUPERVISOR=${UNION_SUPERVISOR:-$(cd "$(dirname "$LIBUNION_SO")/../.." && pwd)/tools/union-supervise}
[ -x "$UNION_SUPERVISOR" ] || skip "no supervisor built: $UNION_SUPERVISOR"
export UNION_SUPERVISOR BB

setup() { make_small_tree "$1"; }

# Every command is busybox's, run by the static shell: nothing here goes
# through libc's dynamic symbols.
bb() { step "$BB sh -c '$1'"; }

action() {
	bb 'cd "$M" && cat f1 && ls -A1 . | sort'
	bb 'ls -lan "$M" | awk "NR>1 {print \$1, \$3, \$4, \$5, \$NF}" | sort -k5'
	bb 'cd "$M" && find . | sort'
	bb 'cd "$M" && echo new >g && cat g && echo more >>f1 && cat f1'
	bb 'mkdir -p "$M/p/q/r" && ls -A1 "$M/p/q"'
	bb 'cp -a "$M/d2" "$M/d2copy" && find "$M/d2copy" | sort'
	bb 'mv "$M/f1" "$M/f1moved" && ls -A1 "$M" | sort && cat "$M/f1moved"'
	bb 'rm -rf "$M/d" && ls -A1 "$M" | sort'
	bb 'ln -s f1moved "$M/sl" && readlink "$M/sl" && cat "$M/sl"'
	bb 'chmod 600 "$M/g" && stat -c "%a %s %F" "$M/g"'
	bb 'touch -d "2001-01-01 00:00:00" "$M/g" && stat -c "%Y" "$M/g"'
	bb 'cd "$M" && tar cf /tmp/sv-$$.tar d2 && mkdir x && cd x && tar xf /tmp/sv-$$.tar && rm /tmp/sv-$$.tar && find . | sort'
	bb 'tar cf - -C "$M" d2 | tar tf - | sort'
	bb 'cd "$M/d2" && pwd && cd .. && pwd && ls -A1 | sort'
	bb 'cat "$M/nope" ; echo $?; rm "$M/nope"; echo $?'
}

# Over the rich tree: symlinks (relative, absolute, dangling, looping),
# names in several layers, and commands run in subshells that fork
# before their first call (they must still start in the shell's cwd).
setup_rich() { make_rich_tree "$1"; }
action_rich() {
	bb 'cd "$M" && find . | sort'
	bb 'cd "$M" && for f in $(find . -type f | sort); do echo "$f: $(cat "$f" 2>&1 | head -1)"; done'
	bb 'cd "$M" && find . -type l | sort | while read l; do echo "$l -> $(readlink "$l")"; cat "$l" 2>/dev/null | head -1; done'
	bb 'cd "$M" && rm -rf dir && mv common.txt c2 && cp -a deep d2 && find . | sort'
}

compare_kernel_union supervise-busybox setup action
compare_kernel_union supervise-busybox-rich setup_rich action_rich
UN_AS=nobody UN_NOBODY_LOWERS=both compare_kernel_union supervise-busybox-nobody setup action
un_done
