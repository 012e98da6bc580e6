#!/bin/bash
# supervise-sock: a static program under the seccomp supervisor binds
# unix sockets by merged paths in directories only a lower has (the
# socket file and its parents made in the upper), a child connects by
# the same path (absolute, relative to a chdir, relative to the cwd it
# was started in) and a message passes; a connect that waits for an
# accept does not stop the supervisor, a signal interrupts it; datagram
# and abstract sockets; datagrams sent with sendto by the merged path
# (one that waits for room does not stop the supervisor); the errors of a missing or stale socket; the
# same as over the kernel overlay, the lowers unchanged; as root and as
# nobody.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/edges/edgelib.sh"

need_supervisor
static_prog sv-sock supervise-sock.c
export P=$T/sv-sock

setup() { make_small_tree "$1"; }

action() {
	step 'umask 022; "$P" pair "$M/d/sub/s1"'
	step 'umask 027; "$P" cdpair "$M/d2/deeper" s2'
	step 'cd "$M/e2" && "$P" pair s3'
	step '"$P" intr "$M/e1/s4"'
	step '"$P" dgram "$M/d2/s5"'
	step '"$P" sendto "$M/d/sub/s6"; stat -c "%n %F" "$M/d/sub/s6"'
	step '"$P" abstract'
	step '"$P" connect "$M/d/sub/s1"; "$P" connect "$M/nope"; "$P" connect "$M/f1"'
	step '"$P" bind "$M/d/sub/s1"; "$P" bind "$M/f1"; "$P" bind "$M/nodir/s"'
	step 'stat -c "%n %F %a" "$M"/d/sub/s1 "$M"/d2/deeper/s2 "$M"/e2/s3 "$M"/e1/s4 "$M"/d2/s5'
	step 'cd "$L/upper" && find . -type s | sort'
	step 'rm "$M/d/sub/s1"; "$P" connect "$M/d/sub/s1"'
}

compare_kernel_union supervise-sock setup action
UN_AS=nobody UN_NOBODY_LOWERS=both compare_kernel_union supervise-sock-nobody setup action
un_done
