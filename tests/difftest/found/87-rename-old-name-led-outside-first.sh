#!/bin/bash
# Issue 11.  rename whose old name a symlink leads out of the union
# ($M/b -> ..) into a parent that does not exist, and whose new name's
# parent is no directory: the kernel resolves the old name's parent
# first (filename_parentat), ENOENT; libunion looked the new name up
# and answered its ENOTDIR, handing the old name to the kernel only
# later.  (Difftest root seed inplace:1283, at --ops 120.)
. "$(dirname "$0")/lib.sh"
ops='
chdir $M
rename $M/b/a/f/n3 f/n3
rename $M/b/a/n3 f/n3
rename $M/b/cwd/nope/x f/n3
rename $M/b/cwd/x f/n3
rename f/n3 $M/b/a/n3
'
setup='ln -s .. l1/b; touch l1/f'
rc=0
NOGUARD=1 repro "$setup" "$ops" || rc=1
NOGUARD=1 AS=nobody repro "$setup" "$ops" || rc=1
exit $rc
