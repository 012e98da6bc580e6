#!/bin/bash
# sendto-unix-socket: datagrams sent with an address (sendto, sendmsg) to
# AF_UNIX sockets named by a merged path: bound in a lower-only directory
# (the socket file in the upper), by an absolute and a relative path; to a
# missing name, a regular file, a removed socket; an address given to a
# stream socket (not looked up by the kernel).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_small_tree "$1"; }

dg='import os, socket, sys
def err(f):
    try:
        f()
        return "sent"
    except OSError as e:
        return e.strerror
r = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
r.bind(sys.argv[1])
c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
print("sendto", err(lambda: c.sendto(b"one", sys.argv[1])), r.recv(9))
print("sendmsg", err(lambda: c.sendmsg([b"two"], [], 0, sys.argv[1])), r.recv(9))
os.chdir(os.path.dirname(sys.argv[1]))
name = os.path.basename(sys.argv[1])
print("relative", err(lambda: c.sendto(b"three", name)), r.recv(9))
for p in sys.argv[2:]:
    print(p.rsplit("/", 1)[1], err(lambda: c.sendto(b"x", p)),
          err(lambda: c.sendmsg([b"x"], [], 0, p)))
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
print("stream", err(lambda: s.sendto(b"x", sys.argv[1])))
os.unlink(name)
print("removed", err(lambda: c.sendto(b"x", name)))'
export dg

action() {
	step '"$PYTHON" -c "$dg" "$M/d2/deeper/dg" "$M/nope" "$M/f1" "$M/d/x1" "$M/nodir/s"; names "$M/d2/deeper"'
}

compare_kernel_union sendto-unix-socket setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union sendto-unix-socket-nobody setup action
un_done
