#!/bin/bash
# bind-unix-socket-lower-dir: bind of AF_UNIX sockets at paths in lower-only directories and over whiteouts: the socket shows and takes connections; EADDRINUSE over existing names; ENOENT.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() { make_small_tree "$1"; }

sock='import os, socket, sys
for p in sys.argv[1:]:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.bind(p)
        s.listen(1)
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(p)
        a, _ = s.accept()
        c.sendall(b"hello")
        print(p.rsplit("/", 1)[1], "bound, got", a.recv(5).decode())
        a.close(); c.close()
    except OSError as e:
        print(p.rsplit("/", 1)[1], e.strerror)
    s.close()'
export sock

action() {
	step '"$PYTHON" -c "$sock" "$M/d2/deeper/sock" "$M/e1/sock2" "$M/sock3"; st "$M/d2/deeper/sock" "$M/e1/sock2" "$M/sock3"; names "$M/d2/deeper"'
	step '"$PYTHON" -c "$sock" "$M/f1" "$M/d" "$M/d2/deeper/sock" "$M/nodir/sock" "$M/f2/sock"'
	step 'rm "$M/f1"; "$PYTHON" -c "$sock" "$M/f1"; st "$M/f1"; rm "$M/d2/deeper/sock"; names "$M/d2/deeper"'
}

compare_kernel_union bind-unix-socket-lower-dir setup action
UN_AS=nobody UN_NOBODY_LOWERS=1 compare_kernel_union bind-unix-socket-lower-dir-nobody setup action
un_done
