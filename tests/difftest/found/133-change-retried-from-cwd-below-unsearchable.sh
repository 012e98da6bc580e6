#!/bin/bash
# A change (chown) of a name in the cwd, a lower directory reached by
# '..' from a directory made below one that lost its x since: the
# copy-up goes with the upper's way lifted, then the call by the whole
# upper path is refused (EACCES) and must be made again from the cwd
# (wrap_simple.c UN_CALL_ROUTED: un_node_retry_at), as the kernel walks
# from the cwd.  The one reproducer that fails without that retry (user
# seed absent:1146 at --ops 120, shrunk with the retry disabled; found/107
# passes by the route alone).  As root and as the user who owns the layers.
. "$(dirname "$0")/lib.sh"
setup='mkdir -p l1/b/e/d/f'
ops='
mkdir $M/b/e/r2 555
chdir $M/b/e/r2
chmod $M/b 600
chdir ../d
chown f 65534 65534
chmod f 700
mkdir f/n 755
'
rc=0
repro "$setup" "$ops" || rc=1
AS=nobody repro "$setup" "$ops" || rc=1
exit $rc
