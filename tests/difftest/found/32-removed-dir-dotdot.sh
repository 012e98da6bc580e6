#!/bin/bash
# A cwd or descriptor whose directory was removed: '..' leads to its merged
# parent (then rm of a lower name there records a whiteout), names and
# creations in it are ENOENT, rename of its '.' is EBUSY, and rm -r then
# mkdir of the same names leaves it dead (its '..' the dead parent).
. "$(dirname "$0")/lib.sh"
NOGUARD=1 repro 'mkdir -p l1/a/m/s u/a/m l2/a/lo/s l1/b; echo x > l1/a/f; echo y > l2/a/lf' '
mkdir $M/a/e 0755
chdir $M/a/e
open 2 $M/a/e rdonly 0
open 3 $M/a/lo/s rdonly 0
rmdir $M/a/e
stat ..
fstatat 2 ../f 0
fstatat cwd x 0
mkdirat 2 x 0755
openat 4 cwd x creat,wronly 0644
renameat 2 . cwd ../zz
renameat cwd . cwd ../zz
unlinkat cwd ../lf 0
rmdir $M/a/lo/s
rmdir $M/a/lo
mkdir $M/a/lo 0755
mkdir $M/a/lo/s 0755
fstatat 3 x 0
fstatat 3 ../s 0
fstatat 3 ../../f 0
chdir ..
getcwd
ls .
'
