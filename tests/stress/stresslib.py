"""stresslib.py - what the stress testers crash.py and layers.py share:
the user nobody's setpriv, a tree's removal, a private copy of the
tester, and the SIGKILL at a random system call (strace counts the calls
of a dry run; strace's inject kills the Nth call of one name).

Imported by the testers from their own directory: a tester's private
copy (private_script) has this module beside it.
"""

import os
import re
import shutil
import subprocess
import sys

PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") \
    else sys.executable
USER_ID = 65534
SETPRIV = ["setpriv", "--reuid=%d" % USER_ID, "--regid=%d" % USER_ID,
           "--clear-groups", "--"]


def rmtree(p):
    """Remove the tree p, unmounting it first when it is a mount point
    (a removal through a mount would write its layers)."""
    if os.path.ismount(p):
        subprocess.run(["umount", "-l", p])
    shutil.rmtree(p, ignore_errors=True)
    if os.path.lexists(p):
        subprocess.run(["rm", "-rf", p])


def private_script(script, tmp):
    """Copy the tester script (and this module, which it imports) into
    tmp, readable by all (nobody runs it): a rebuild or an edit meanwhile
    must not reach a run half written.  Returns the copy's path."""
    for src in (script, os.path.abspath(__file__)):
        dst = os.path.join(tmp, os.path.basename(src))
        shutil.copyfile(os.path.abspath(src), dst)
        os.chmod(dst, 0o644)
    return os.path.join(tmp, os.path.basename(script))


def count_argv(counts):
    """strace's prefix that counts every call of a run (and its
    children) by name into the file counts (read_counts reads it)."""
    return ["strace", "-f", "-qq", "-c", "-U", "name,calls", "-o", counts]


def read_counts(counts, skip=()):
    """name -> calls from count_argv's file, without the names in
    skip."""
    calls = {}
    with open(counts) as f:
        for line in f:
            m = re.match(r"\s*([a-z_0-9]+)\s+(\d+)\s*$", line)
            if m and m.group(1) not in ("total", "syscall") + tuple(skip):
                calls[m.group(1)] = int(m.group(2))
    return calls


def pick_call(rng, calls):
    """A call of calls (name -> count), each call as likely: (name, k),
    the kth (from 0) call of that name."""
    k = rng.randrange(sum(calls.values()))
    for name, n in sorted(calls.items()):
        if k < n:
            break
        k -= n
    return name, k


def kill_argv(name, k):
    """strace's prefix that SIGKILLs the run at its kth (from 0) call
    name, on entering it (the call not made)."""
    return ["strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=" + name,
            "-e", "inject=%s:signal=KILL:when=%d" % (name, k + 1)]
