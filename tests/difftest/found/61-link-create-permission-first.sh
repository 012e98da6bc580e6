#!/bin/bash
# Issue 11 item 6.  link() checks may_create on the new name's directory
# before the old object's type (vfs_link): a directory linked into a 0500
# directory is EACCES, into a writable one EPERM; libunion answered EPERM
# for both.  And an old name outside every union is looked up first: a
# missing one is ENOENT even when the new name exists; libunion answered
# the new name's EEXIST.
AS=nobody NOGUARD=1
. "$(dirname "$0")/lib.sh"
repro 'mkdir -p l1/b/f l1/a; echo x >l1/a/g; chmod 500 l1/b' '
link $M/b/f $M/b/e
link $M/b/f $M/a/e
link $M/a/g $M/b/e
link $R/cwd/missing $M/a/g
link $R/cwd/missing $M/b/x
link $R/cwd/missing $M/nodir/x
'
