#!/bin/bash
# '..' from a removed cwd into a removed parent that lost its x: the
# kernel asks search permission of every directory its walk stands in,
# a deleted one too, before the next name (EACCES); libunion's
# dead_start answered ENOENT for any name in a removed directory
# without asking.  User seeds absent:1296, 2318 at --ops 120, shrunk.
# As root (who passes every check) and as the user who owns the layers.
. "$(dirname "$0")/lib.sh"
setup='mkdir -p l1/empty l1/a'
ops='
mkdir $M/empty/r2 700
chdir $M/empty/r2
rmdir $M/empty/r2
unlinkat cwd $M/empty removedir
chmod .. 640
chmod ../b 640
getxattr ../loop1 user.k2
stat ../..
stat ../../a
chmod .. 750
stat ../b
'
rc=0
repro "$setup" "$ops" || rc=1
AS=nobody repro "$setup" "$ops" || rc=1
exit $rc
