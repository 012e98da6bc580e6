#!/usr/bin/env python3
"""crash.py - processes of a union killed (SIGKILL) mid-change: the view
they leave must be one a kernel overlay could show.

race.py plays processes at once and judges what any interleaving
allows; it never kills one.  This tester does: each round takes fresh
layers (a big lower file, small ones, lower-only directories of many
entries, an upper-only directory with files), runs ONE change under
libunion and kills it:

  - at a system call: `strace -e inject=NAME:signal=KILL:when=N` kills
    it on entering its Nth call NAME (the call not made), NAME and N
    drawn over the calls a dry run of the change made (so every instant
    between two calls is as likely), or
  - at a time: SIGKILL after a random delay within the dry run's
    duration (what lands between calls too: the library's own memory
    writes, a shared counter left odd).

The changes: copy-up of a big and of a small lower file (chmod, touch),
an append, a rename of a lower file, an unlink (a whiteout written), an
rmdir of an empty lower-only directory, rm -rf of a lower-only
directory of many entries, a create in such a directory (its copy-up),
a rename of an upper-only directory, and a loop of unlink/create/unlink
of lower files long enough that the whiteout table compacts (> 1,024
records, most cancelled).

Then, with no process left: the lowers unchanged; a new process (under
libunion, bounded by --timeout: a lock left held must not hang it)
walks and reads the whole view: every name is the lower's with the
lower's content, or one the change may leave in one of the states a
kernel overlay could show (a rename's source XOR its target, an
appended file with or without the appended bytes, an rm -rf's subset,
a created file empty or whole...), never a truncated copy, a name half
there or twice, a staged copy; `union diff` (tools/) reads the table, and the upper,
converted to overlayfs's whiteouts (`union convert --to-overlay`, on a
copy) and mounted, shows the kernel the same tree (root only);
then new processes change the view (create, rename, rm -rf of all of
it) and must succeed, leaving an empty view and the lowers as they
were.  Leftovers in UPPER/.union/work are counted (a kill may leave a
staged copy there; nothing reads it), not judged.

    crash.py --rounds 40 [--seed S] [--as-user] [--op NAME] [-v]

Exit status: 0 nothing found, 1 something found, 77 cannot run (no
strace, not root for --as-user), 2 usage or harness error.
"""

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time

from stresslib import (PYTHON, SETPRIV, USER_ID, count_argv, kill_argv,
                       pick_call, private_script, read_counts, rmtree)

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
BIG = 8 << 20           # the big lower file: its copy-up takes a while
MANY = 400              # entries of the lower-only directories
CYCLE = 700             # lower files the compaction loop goes through

# ----------------------------------------------------------------------
# The layers (made once as a template, copied for each round)


def content(i):
    return ("file %d\n" % i) * (1 + i % 7)


def make_template(T):
    L, U = T + "/lower", T + "/upper"
    for d in ("s", "t", "e/empty1", "e/empty2", "many", "many2", "c",
              "up0"):
        os.makedirs(L + "/" + d, exist_ok=True)
    os.makedirs(U + "/up/a/deep", exist_ok=True)
    for i in range(8):
        with open(U + "/up/a/u%d" % i, "w") as f:
            f.write(content(i))
    with open(L + "/big", "wb") as f:
        block = bytes(range(256)) * 4096
        for i in range(BIG // len(block)):
            f.write(block[:-1] + bytes([i % 251]))
    for i in range(20):
        with open(L + "/s/f%d" % i, "w") as f:
            f.write(content(i))
    for d in ("many", "many2"):
        for i in range(MANY):
            with open("%s/%s/n%03d" % (L, d, i), "w") as f:
                f.write(content(i))
        os.makedirs(L + "/" + d + "/sub/deeper", exist_ok=True)
        with open(L + "/" + d + "/sub/deeper/leaf", "w") as f:
            f.write("leaf\n")
    for i in range(CYCLE):
        with open(L + "/c/f%d" % i, "w") as f:
            f.write(content(i))


# The compaction loop: for each lower file, unlink (a whiteout record),
# create (the record cancelled), unlink again.
CYCLER = r'''
import os, sys
M = sys.argv[1]
lo, hi = (int(a) for a in sys.argv[2:4]) if len(sys.argv) > 3 else (0, %d)
for i in range(lo, hi):
    p = "%%s/c/f%%d" %% (M, i)
    os.unlink(p)
    with open(p, "w") as f:
        f.write("new\n")
    os.unlink(p)
''' % CYCLE

# name -> (command relative to M, the rule's arguments)
OPS = {
    "bigcopy": (["chmod", "600", "{M}/big"], {}),
    "touch": (["touch", "{M}/s/f3"], {}),
    "append": (["sh", "-c", 'printf appended >>"$0/s/f4"', "{M}"],
               {"append": {"s/f4": "appended"}}),
    "mvfile": (["mv", "{M}/s/f5", "{M}/t/f5n"],
               {"xor": [("s/f5", "t/f5n")]}),
    "unlink": (["rm", "{M}/s/f6"], {"vanish": ["s/f6"]}),
    "rmdir": (["rmdir", "{M}/e/empty1"], {"vanish": ["e/empty1"]}),
    "rmrf": (["rm", "-rf", "{M}/many"], {"subset": ["many"]}),
    "dircopy": (["touch", "{M}/many2/new"], {"create": {"many2/new": ""}}),
    "chmoddir": (["chmod", "700", "{M}/many2"], {}),
    "mkdirin": (["mkdir", "{M}/many2/made"], {"mkdir": ["many2/made"]}),
    "mvdir": (["mv", "{M}/up/a", "{M}/up/b"], {"xor": [("up/a", "up/b")]}),
    "compact": ([PYTHON, "-B", "-c", CYCLER, "{M}"],
                {"vanish": ["c/f%d" % i for i in range(CYCLE)],
                 "create": {"c/f%d" % i: "new\n" for i in range(CYCLE)}}),
    # two at once on halves of the names, the first killed: the other
    # must finish (a lock or a compaction the killed one left must not
    # stop it), its half gone
    "compact2": ([PYTHON, "-B", "-c", CYCLER, "{M}", "0", str(CYCLE // 2)],
                 {"vanish": ["c/f%d" % i for i in range(CYCLE // 2)],
                  "create": {"c/f%d" % i: "new\n"
                             for i in range(CYCLE // 2)},
                  "gone": ["c/f%d" % i for i in range(CYCLE // 2, CYCLE)],
                  "partner": [PYTHON, "-B", "-c", CYCLER, "{M}",
                              str(CYCLE // 2), str(CYCLE)]}),
    # an rm -rf killed while another process lists and reads another
    # directory: the reader never fails
    "rmrf2": (["rm", "-rf", "{M}/many"],
              {"subset": ["many"],
               "partner": ["sh", "-c", 'for i in 1 2 3 4 5 6 7 8; do '
                           'ls -A "$0/s" >/dev/null && '
                           'cat "$0"/s/* >/dev/null || exit 1; done',
                           "{M}"]}),
}

# ----------------------------------------------------------------------
# The walker: a process under libunion that lists and reads the view


def walker(M):
    out = {}

    def walk(rel):
        p = M + ("/" + rel if rel else "")
        names = os.listdir(p)
        if len(names) != len(set(names)):
            out["!twice " + rel] = ["dup"]
        for n in names:
            r = (rel + "/" + n) if rel else n
            st = os.lstat(M + "/" + r)
            if stat.S_ISDIR(st.st_mode):
                out[r] = ["d"]
                walk(r)
            elif stat.S_ISREG(st.st_mode):
                with open(M + "/" + r, "rb") as f:
                    data = f.read()
                if len(data) != st.st_size:
                    out["!size " + r] = [len(data), st.st_size]
                out[r] = ["f", hashlib.sha1(data).hexdigest()]
            else:
                out[r] = ["o", stat.S_IFMT(st.st_mode)]
    walk("")
    json.dump(out, sys.stdout)
    return 0


def tree_of(root, skip_union=False):
    out = {}
    for dp, dns, fns in os.walk(root):
        rel = os.path.relpath(dp, root)
        if skip_union and rel == ".":
            dns[:] = [d for d in dns if d != ".union"]
        for n in dns:
            out[os.path.normpath(os.path.join(rel, n))] = ["d"]
        for n in fns:
            p = os.path.join(dp, n)
            r = os.path.normpath(os.path.join(rel, n))
            st = os.lstat(p)
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    out[r] = ["f", hashlib.sha1(f.read()).hexdigest()]
            else:
                out[r] = ["o", stat.S_IFMT(st.st_mode)]
    return out


def lower_state(L):
    """Names, types, modes, sizes, mtimes and contents of the lower (a
    directory's size left out: cp -a of one of 700 names may give it
    another than the template's, its own blocks)."""
    out = {}
    for dp, dns, fns in os.walk(L):
        for n in dns + fns:
            p = os.path.join(dp, n)
            st = os.lstat(p)
            h = ""
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    h = hashlib.sha1(f.read()).hexdigest()
            out[os.path.relpath(p, L)] = (
                st.st_mode, 0 if stat.S_ISDIR(st.st_mode) else st.st_size,
                st.st_mtime_ns, st.st_uid, h)
    return out


def sha(s):
    return hashlib.sha1(s.encode() if isinstance(s, str) else s).hexdigest()


# ----------------------------------------------------------------------
# The judge: what a kernel overlay could show after the change was
# killed at any instant


def judge(op, view, base):
    """base: the view before the change (the template's merged tree)."""
    rule = OPS[op][1]
    probs = []
    for k, v in view.items():
        if k.startswith("!"):
            probs.append("%s: %s" % (k, v))
    allowed = {}        # path -> set of allowed entries (None: absent)
    for p, e in base.items():
        allowed[p] = {json.dumps(e)}
    for p in rule.get("vanish", []):
        allowed.setdefault(p, set()).add(None)
    for p, add in rule.get("append", {}).items():
        # the lower's content with or without the appended bytes
        src = os.path.join(JUDGE_LOWER, p)
        with open(src, "rb") as f:
            data = f.read()
        allowed[p].add(json.dumps(["f", sha(data + add.encode())]))
    for p, c in rule.get("create", {}).items():
        s = allowed.setdefault(p, set())
        s.add(None)
        s.add(json.dumps(["f", sha("")]))
        s.add(json.dumps(["f", sha(c)]))
    for p in rule.get("mkdir", []):
        s = allowed.setdefault(p, set())
        s.add(None)
        s.add(json.dumps(["d"]))
    for p in rule.get("gone", []):
        allowed[p] = {None}
    xor = []
    for a, b in rule.get("xor", []):
        # the source's subtree moves whole to the target
        sub = {q: e for q, e in base.items()
               if q == a or q.startswith(a + "/")}
        for q, e in sub.items():
            allowed[q].add(None)
            allowed.setdefault(b + q[len(a):], {None}).add(json.dumps(e))
        xor.append((a, b))
    subset = rule.get("subset", [])
    for d in subset:
        for q in base:
            if q == d or q.startswith(d + "/"):
                allowed[q].add(None)
    for p in set(allowed) | set(k for k in view if not k.startswith("!")):
        got = json.dumps(view[p]) if p in view else None
        ok = allowed.get(p, {None})
        if got not in ok:
            probs.append("%s: %s, allowed %s" % (
                p, "absent" if got is None else got,
                sorted("absent" if x is None else x for x in ok)[:3]))
    for a, b in xor:
        if (a in view) == (b in view):
            probs.append("rename %s -> %s: %s" % (
                a, b, "both there" if a in view else "neither there"))
        sa = sorted(q[len(a):] for q in view if q.startswith(a + "/"))
        sb = sorted(q[len(b):] for q in view if q.startswith(b + "/"))
        if a in view and sb or b in view and sa:
            probs.append("rename %s -> %s: entries on both sides" % (a, b))
        if (a in view and len(sa) != len([q for q in base
                                          if q.startswith(a + "/")])) or \
           (b in view and len(sb) != len([q for q in base
                                          if q.startswith(a + "/")])):
            probs.append("rename %s -> %s: a half-moved tree" % (a, b))
    for d in subset:
        if d not in view and any(q.startswith(d + "/") for q in view):
            probs.append("%s gone but names below it listed" % d)
        # a directory below d gone while names below it remain
        for q in view:
            if q.startswith(d + "/"):
                par = q.rsplit("/", 1)[0]
                if par not in view:
                    probs.append("%s listed, its directory %s not" %
                                 (q, par))
    return probs


JUDGE_LOWER = None

# ----------------------------------------------------------------------
# A round


class Runner:
    def __init__(self, args, tmp):
        self.args, self.tmp = args, tmp
        first = os.environ.get("UN_PRELOAD_FIRST", "")
        self.preload = (first + " " + args.lib) if first else args.lib

    def env(self, R):
        spec = "%s=%s:%s" % (esc(R + "/m"), esc(R + "/upper"),
                             esc(R + "/lower"))
        pre = SETPRIV if self.args.as_user else []
        return pre + ["env", "-u", "LD_PRELOAD", "LC_ALL=C",
                      "UNION_LAYERS=" + spec, "LD_PRELOAD=" + self.preload]

    def fresh(self, R):
        if os.path.lexists(R):
            rmtree(R)
        subprocess.run(["cp", "-a", self.tmp + "/template", R], check=True)
        os.makedirs(R + "/m", exist_ok=True)
        if self.args.as_user:
            subprocess.run(["chown", "-R", "%d:%d" % (USER_ID, USER_ID), R],
                           check=True)

    def cmd(self, op, R):
        return [a.replace("{M}", R + "/m") for a in OPS[op][0]]

    def dry(self, op):
        """The calls (name -> count) and the time of a whole run."""
        R = self.tmp + "/dry"
        self.fresh(R)
        cf = self.tmp + "/counts"
        t = time.monotonic()
        r = subprocess.run(count_argv(cf) + self.env(R) + self.cmd(op, R),
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, cwd=self.tmp)
        dur = time.monotonic() - t
        if r.returncode:
            raise RuntimeError("dry run of %s failed: %s" % (
                op, r.stderr.decode()[-300:]))
        calls = read_counts(cf)
        # a run without strace, for the timed kills
        self.fresh(R)
        t = time.monotonic()
        subprocess.run(self.env(R) + self.cmd(op, R), cwd=self.tmp,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        dur = time.monotonic() - t
        rmtree(R)
        return calls, dur

    def kill_run(self, op, R, rnd, calls, dur):
        """Run op in R, killed (with its partner, when it has one, not
        killed); a description of the instant, and what went wrong
        with the partner."""
        partner = OPS[op][1].get("partner")
        pp = None
        if partner:
            pp = subprocess.Popen(
                self.env(R) + [a.replace("{M}", R + "/m") for a in partner],
                cwd=self.tmp, stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE)
        how = self.kill_one(op, R, rnd, calls, dur)
        probs = []
        if pp:
            try:
                _, err = pp.communicate(timeout=self.args.timeout)
                if pp.returncode:
                    probs.append("the other process failed (%d): %s" % (
                        pp.returncode, err.decode()[-300:]))
            except subprocess.TimeoutExpired:
                pp.kill()
                pp.communicate()
                probs.append("the other process hangs")
        return how, probs

    def kill_one(self, op, R, rnd, calls, dur):
        if calls and rnd.random() < 0.7:
            # every call equally likely: a name by its count, then N
            name, k = pick_call(rnd, calls)
            # (execve: the kill lands in strace's own exec of env)
            if name in ("execve", "exit_group"):
                name, k = "openat", rnd.randrange(calls.get("openat", 1))
            how = "at %s #%d" % (name, k + 1)
            subprocess.run(kill_argv(name, k) + self.env(R) + self.cmd(op, R),
                           cwd=self.tmp, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL,
                           timeout=self.args.timeout)
            return how
        delay = rnd.uniform(0, dur * 1.1)
        p = subprocess.Popen(self.env(R) + self.cmd(op, R), cwd=self.tmp,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL,
                             start_new_session=True)
        time.sleep(delay)
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()
        return "after %.3f s" % delay

    def under(self, R, argv, timeout=None):
        return subprocess.run(self.env(R) + argv, cwd=self.tmp,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout or self.args.timeout)

    def check(self, op, R, base, lower0):
        probs = []
        M = R + "/m"
        now = lower_state(R + "/lower")
        if now != lower0:
            probs.append("the lower changed: %s" % sorted(
                k for k in set(now) | set(lower0)
                if now.get(k) != lower0.get(k))[:4])
        try:
            r = self.under(R, [PYTHON, "-B", self.args.script, "--walk", M])
        except subprocess.TimeoutExpired:
            return probs + ["a new process's walk of the view hangs"]
        if r.returncode:
            return probs + ["the walk failed: %s" %
                            r.stderr.decode()[-300:]]
        view = json.loads(r.stdout.decode())
        probs += judge(op, view, base)
        tool = os.path.join(TOP, "tools", "union")
        if os.access(tool, os.X_OK):
            d = subprocess.run([tool, "diff", "-m", M, "-l", R + "/lower",
                                R + "/upper"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
            if d.returncode:
                probs.append("union diff refuses the upper: %s" %
                             d.stderr.decode().strip()[-300:])
        if os.geteuid() == 0 and os.access(tool, os.X_OK):
            probs += self.kernel_view(R, view)
        # later changes: each in a new process
        script = ('set -e; cd "$0"; for d in s many2 c up e; do '
                  '[ -d "$d" ] && echo later >"$d/later" && '
                  'mv "$d/later" "$d/later2"; done; '
                  'mkdir -p new/dir && echo x >new/dir/x; '
                  'rm -rf -- * ; ls -A')
        try:
            r = self.under(R, ["sh", "-c", script, M])
            out = r.stdout.decode().strip()
            if r.returncode or out:
                probs.append("later changes: rc %d, left %r: %s" % (
                    r.returncode, out[:200],
                    r.stderr.decode().strip()[-300:]))
        except subprocess.TimeoutExpired:
            probs.append("later changes hang")
        if lower_state(R + "/lower") != lower0:
            probs.append("the lower changed (by the later changes)")
        return probs


    def kernel_view(self, R, view):
        """The upper as it was left, converted to overlayfs's whiteouts
        (on a copy) and mounted: the kernel must show the tree the
        library showed."""
        K = R + "/k"
        rmtree(K)
        os.makedirs(K + "/work")
        os.makedirs(K + "/m")
        subprocess.run(["cp", "-a", R + "/upper", K + "/upper"], check=True)
        tool = os.path.join(TOP, "tools", "union")
        r = subprocess.run([tool, "convert", "--to-overlay", "-m", R + "/m",
                            "-l", R + "/lower", K + "/upper"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if r.returncode:
            return ["union convert --to-overlay refuses the upper: %s" %
                    r.stderr.decode().strip()[-300:]]
        r = subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                            "lowerdir=%s/lower,upperdir=%s/upper,workdir=%s"
                            "/work" % (R, K, K), K + "/m"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if r.returncode:
            rmtree(K)
            return []       # (no kernel overlay here: not judged)
        try:
            kt = tree_of(K + "/m")
        finally:
            subprocess.run(["umount", K + "/m"])
            rmtree(K)
        lib = {k: v for k, v in view.items() if not k.startswith("!")}
        if kt == lib:
            return []
        diff = sorted(k for k in set(kt) | set(lib) if kt.get(k) != lib.get(k))
        return ["the kernel over the converted upper differs at %s" %
                ["%s: kernel %s, libunion %s" % (k, kt.get(k), lib.get(k))
                 for k in diff[:3]]]


def esc(p):
    return "".join("\\" + c if c in "\\:;=" else c for c in p)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--walk":
        return walker(sys.argv[2])
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=20,
                    help="kills of each change")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--op", action="append", choices=sorted(OPS))
    ap.add_argument("--as-user", action="store_true",
                    help="the layers are uid 65534's, who plays")
    ap.add_argument("--lib", default=os.environ.get(
        "LIBUNION", os.path.join(TOP, "preload", ".libs", "libunion.so")))
    ap.add_argument("--timeout", type=int, default=60)
    ap.add_argument("--time-budget", type=float, default=0,
                    help="start no round after SECONDS")
    ap.add_argument("--tmpdir", default=os.environ.get("TMPDIR", "/tmp"))
    ap.add_argument("--keep", action="store_true",
                    help="keep the layers of a round with a finding")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    if not shutil.which("strace"):
        print("SKIP: crash.py needs strace")
        return 77
    if args.as_user and os.geteuid() != 0:
        print("SKIP: --as-user needs root (setpriv)")
        return 77
    args.lib = os.path.abspath(args.lib.split()[-1])
    if not os.path.exists(args.lib):
        print("no library at %s (make first)" % args.lib)
        return 2
    tmp = tempfile.mkdtemp(prefix="crash.", dir=args.tmpdir)
    os.chmod(tmp, 0o755)
    try:
        return run(args, tmp)
    finally:
        rmtree(tmp)


def run(args, tmp):
    global JUDGE_LOWER
    # private copies of this file and of the library (a rebuild meanwhile
    # must not reach a run half written)
    args.script = private_script(__file__, tmp)
    lib = tmp + "/libunion.so"
    shutil.copyfile(args.lib, lib)
    os.chmod(lib, 0o755)
    args.lib = lib
    make_template(tmp + "/template")
    JUDGE_LOWER = tmp + "/template/lower"
    if args.as_user:
        subprocess.run(["chown", "-R", "%d:%d" % (USER_ID, USER_ID),
                        tmp + "/template"], check=True)
    ru = Runner(args, tmp)
    lower0 = lower_state(tmp + "/template/lower")
    # the view before any change: the lower's tree and the upper's
    base = tree_of(tmp + "/template/lower")
    base.update(tree_of(tmp + "/template/upper", skip_union=True))
    rnd = random.Random(args.seed)
    t0 = time.monotonic()
    ops = args.op or sorted(OPS)
    found = ran = 0
    staged = 0
    dries = {}
    for i in range(args.rounds):
        for op in ops:
            if args.time_budget and time.monotonic() - t0 > args.time_budget:
                break
            if op not in dries:
                dries[op] = ru.dry(op)
            calls, dur = dries[op]
            R = tmp + "/r"
            ru.fresh(R)
            # (the round's own copy, as it was before the change)
            lower0 = lower_state(R + "/lower")
            try:
                how, probs = ru.kill_run(op, R, rnd, calls, dur)
            except subprocess.TimeoutExpired:
                how, probs = "(the change hangs under strace)", []
            probs += ru.check(op, R, base, lower0)
            ran += 1
            w = R + "/upper/.union/work"
            if os.path.isdir(w) and os.listdir(w):
                staged += 1
            if probs or args.verbose:
                print("%s killed %s: %s" % (op, how,
                                            "ok" if not probs else ""))
                for p in probs[:10]:
                    print("  BUG " + p)
                sys.stdout.flush()
            if probs:
                found += 1
                if args.keep:
                    k = "%s/../crash-keep-%d-%s" % (tmp, i, op)
                    subprocess.run(["cp", "-a", R, k])
    print("crash.py: %d kills%s (seed %d), %d with a finding, %d left "
          "a staged copy in UPPER/.union/work (%.0f s)" % (
              ran, " as uid %d" % USER_ID if args.as_user else "",
              args.seed, found, staged, time.monotonic() - t0))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main() or 0)
