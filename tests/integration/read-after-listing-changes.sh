#!/bin/bash
# read-after-listing-changes: a process lists merged directories, then
# names appear in their upper parts (made by itself, by a child process,
# a file copied up by a child, a directory made and removed); its next
# lookups must see them, as through the kernel.  libunion remembers the
# upper's names of the directories it listed, to skip the upper's lstat
# of a name it lacks, and the last lower file it looked up, for an open
# that follows a stat: this catches a memory that outlives a change.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

setup() {
	make_rich_tree "$1"
	local i
	for i in 1 2 3 4 5 6; do
		echo "lower $i" >"$1/lower2/dir/f$i"
	done
	echo "upper 1" >"$1/upper/dir/u1"
	fix_times "$1"
}

cat >"$T/probe.py" <<'PY'
import os, subprocess, sys

d = sys.argv[1]

def look(tag, name):
    p = os.path.join(d, name)
    try:
        st = os.lstat(p)
        kind = 'dir' if os.path.isdir(p) else 'file'
        body = open(p).read().strip() if kind == 'file' else ''
        print(tag, name, kind, st.st_size, repr(body))
    except OSError as e:
        print(tag, name, 'error', e.strerror)

def child(script):
    subprocess.run(['sh', '-c', script], cwd=d, check=True)

names = sorted(os.listdir(d))
print('listed', ' '.join(names))
for n in ('f1', 'f2', 'new-self', 'new-child', 'newdir', 'u1'):
    look('before', n)
# this process makes a name
with open(os.path.join(d, 'new-self'), 'w') as f:
    f.write('made by me\n')
look('self', 'new-self')
# a child makes a name, copies a lower file up and changes it
os.listdir(d)
child('echo made by child >new-child; echo changed >>f2; mkdir newdir')
for n in ('new-child', 'f2', 'newdir'):
    look('child', n)
# a child renames a lower file over another name, and links one
os.listdir(d)
child('mv f3 moved; ln f4 linked')
for n in ('f3', 'moved', 'linked', 'f4'):
    look('moved', n)
# a stat, then a child changes or deletes the file, then an open
def read_after(tag, name, script):
    try:
        os.lstat(os.path.join(d, name))
    except OSError:
        pass
    child(script)
    try:
        print(tag, name, repr(open(os.path.join(d, name)).read().strip()))
    except OSError as e:
        print(tag, name, 'error', e.strerror)
read_after('stat-open', 'f5', 'echo changed5 >>f5')
read_after('stat-open', 'f6', 'rm f6')
read_after('stat-open', 'f1', 'mv f1 f1.old; echo new1 >f1')
# the listing again, then a child removes an upper directory and makes a
# file of that name
os.listdir(d)
child('rmdir newdir; echo now a file >newdir')
look('again', 'newdir')
print('listed', ' '.join(sorted(os.listdir(d))))
PY

action() {
	step '"$PYTHON" "$T/probe.py" "$M/dir"'
	step '"$PYTHON" "$T/probe.py" "$M"'
}

compare_kernel_union read-after-listing-changes setup action
un_done
