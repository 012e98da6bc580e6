#!/bin/bash
# A change through a descriptor (fsetxattr, fchmod: the copy-up through
# the object held, made with the upper's directories lifted searchable,
# un_upper_lift) after the user took x from a directory above it, then a
# lookup through that directory: the kernel answers EACCES (its walk
# asks the directory's search permission), libunion ENOENT.  User seeds
# inplace:1770 (the union's root, from the cwd), 1899, 2332 at --ops
# 120, shrunk.  As root (who passes every check) and as the user who
# owns the layers.
. "$(dirname "$0")/lib.sh"
setup='mkdir -p l1/empty l1/a/e l1/a/d/c/e l1/d; echo f >l1/a/d/c/e/f; echo a >l1/d/a'
ops='
open 4 $M/a/e rdonly,directory 0
chmod $M/a/. 640
fchmod 4 755
access $M/a/d/c/e/f x
stat $M/a/d
chdir $M/empty
open 0 . rdonly,directory 0
chdir ..
chmod $M 400
fsetxattr 0 user.k1 fv 0
rmdir empty/n3
stat empty/n3
chown $M/d/a 1000 1000
stat $M/empty
'
rc=0
repro "$setup" "$ops" || rc=1
AS=nobody repro "$setup" "$ops" || rc=1
exit $rc
