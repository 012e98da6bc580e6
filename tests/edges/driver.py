"""driver.py - a long-running process of a union, for the edge tests
that change things under it (a layer removed or made unreadable, the
whiteout table garbled): it reads one command a line on stdin and
answers one line on stdout, so a test can act between two calls.

    stat PATH | ls PATH | cat PATH | rm PATH | write PATH | mkdir PATH
    rmdir PATH | exit

Answers "OP PATH: ok [detail]" or "OP PATH: ENAME".  Run under the union
(LD_PRELOAD): every call goes through libunion."""
import errno
import os
import sys


def answer(line):
    op, _, path = line.partition(" ")
    try:
        if op == "stat":
            st = os.lstat(path)
            kind = "d" if os.path.isdir(path) else "f"
            return "ok %s" % kind
        if op == "ls":
            return "ok " + " ".join(sorted(os.listdir(path)))
        if op == "cat":
            with open(path) as f:
                return "ok " + f.read().strip()
        if op == "rm":
            os.unlink(path)
            return "ok"
        if op == "write":
            with open(path, "w") as f:
                f.write("written\n")
            return "ok"
        if op == "mkdir":
            os.mkdir(path)
            return "ok"
        if op == "rmdir":
            os.rmdir(path)
            return "ok"
        return "unknown op"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


for line in sys.stdin:
    line = line.rstrip("\n")
    if line == "exit":
        break
    print("%s: %s" % (line, answer(line)), flush=True)
