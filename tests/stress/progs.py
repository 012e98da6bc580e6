#!/usr/bin/env python3
"""progs.py - a differential tester of real programs: random scripts of
cp, mv, rm, tar, sed, find, python, git, sqlite3, busybox... played over
the kernel's overlayfs and under libunion, step by step.

From a seed: random layers (tests/difftest's gen_layers: 2-3 lowers,
symlinks, hard links, whiteouts and opaque directories in the kernel's
formats), plus a project tree of our own in the lowers with the modes
users meet (0700, 0500, 0555, 1777 directories, 0444 files), then a
script of 10-30 steps, each one shell command line of REAL programs run
in a random cwd of the view (one an earlier step may have removed or
renamed; some steps remove or rename their own cwd and go on there).
The script runs over a kernel overlay mount, then on fresh layers under
libunion (static busybox under its supervisor, tools/union-supervise),
as root or as the user nobody who owns the layers (--as-user).

Compared: each step's exit status, its stderr's class (the set of
strerror phrases its lines carry, "other" for a line without one: the
wording of a program is the same on both sides, the order of its
complaints follows readdir's order, which may differ), its stdout where
the step prints something both sides must print alike (listings sorted,
sqlite3's answers, cat); then the final merged tree (tests/tree_state.py
over the view: names, types, modes, owners, sizes, contents, link
targets, xattrs) and the lowers unchanged.

    progs.py --seeds 20 [--first-seed S] [--as-user]
    progs.py --seed 7 -v [--lib OTHER/libunion.so] [--keep]
    PROGS_SHOW=3,5 progs.py --seed 7     (steps 3 and 5 shown, as found)

Exit status: 0 no mismatch, 1 a mismatch, 77 not root, 2 harness error.
"""

import argparse
import os
import random
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") \
    else sys.executable
BUSYBOX = "/bin/busybox"

# Fixed dates for git: its commits (and so its object names, its logs)
# then depend on the trees alone, not on when the step ran.
GIT_ENV = ["GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t",
           "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t",
           "GIT_AUTHOR_DATE=@1000000000 +0000",
           "GIT_COMMITTER_DATE=@1000000000 +0000",
           "GIT_CONFIG_NOSYSTEM=1", "GIT_PAGER=cat", "GIT_OPTIONAL_LOCKS=0"]

# strerror phrases: a stderr line's class is the one it carries
ERRS = ["No such file or directory", "Permission denied",
        "Directory not empty", "File exists", "Not a directory",
        "Is a directory", "Operation not permitted",
        "Read-only file system", "Invalid cross-device link",
        "Too many levels of symbolic links", "Invalid argument",
        "Device or resource busy", "Input/output error",
        "Stale file handle", "Bad file descriptor",
        "cannot move", "are the same file", "can't cd", "can't create",
        "unable to open database", "readonly database",
        "not a git repository", "fatal:", "error:"]


# ----------------------------------------------------------------------
# The generator

PROJ_DIR_MODES = [0o755, 0o755, 0o700, 0o500, 0o555, 0o1777, 0o775]
PROJ_FILE_MODES = [0o644, 0o644, 0o600, 0o444, 0o755]


def gen_layers(dt, rng):
    spec = dt.gen_layers(rng, "absent", plain=True, extra=False)
    un = spec.unions[0]
    # No whiteout in a directory that one layer holds alone: the kernel
    # does not merge such a directory, so its listing shows the whiteout
    # (a name lstat does not find: difftest's kernel_fix), and programs
    # that list (cp -r, os.walk, find) act on it until a copy-up merges
    # the directory.  The library hides it: a difference of no interest.
    # A lower's copy below a name that a layer between holds as a
    # non-directory (a symlink, a whiteout) is not merged either.
    dirs = {L: {e["path"] for e in es if e["kind"] == "d"}
            for L, es in spec.entries.items()}
    nondirs = {L: {e["path"] for e in es if e["kind"] != "d"}
               for L, es in spec.entries.items()}
    lays = un.layers()

    def merged_with(L, d, o):
        if d not in dirs[o]:
            return False
        i, j = lays.index(L), lays.index(o)
        pre = [d[:k] for k in range(len(d) + 1)
               if k == len(d) or d[k] == "/"]
        return not any(a in nondirs[k] for k in lays[min(i, j) + 1:max(i, j)]
                       for a in pre)

    for L in un.lowers:
        spec.entries[L] = [
            e for e in spec.entries[L] if e["kind"] != "w" or
            "/" not in e["path"] or any(
                merged_with(L, os.path.dirname(e["path"]), o)
                for o in lays if o != L)]

    def add(L, path, kind, mode, **kw):
        e = {"path": path, "kind": kind, "mtime": dt.rand_time(rng),
             "uid": 0, "gid": 0, "mode": mode, "xattrs": {}}
        if kind == "d":
            e["opaque"] = kw.get("opaque", False)
        elif kind == "f":
            e.update(size=kw.get("size", rng.choice([0, 12, 100, 5000])),
                     label=kw.get("label", "%s:%s alpha beta" % (L, path)))
        elif kind in "lh":
            e["target"] = kw["target"]
            del e["mode"]
        spec.entries[L].append(e)

    # A project tree, spread over the lowers (a directory in two lowers
    # is merged), with users' modes; one lower-only deep part.
    # (deeper than gnulib fts's ring of 4 parent descriptors: below it
    # fts climbs by "..", checking st_ino: tests/integration's
    # fts-deep-lower-tree)
    dirs = ["proj", "proj/src", "proj/src/sub", "proj/doc", "proj/ro",
            "proj/tmp", "proj/priv", "proj/src/sub/deep",
            "proj/src/sub/deep/e", "proj/src/sub/deep/e/f",
            "proj/src/sub/deep/e/f/g"]
    files = ["proj/Makefile", "proj/src/a.c", "proj/src/b.c",
             "proj/src/sub/c.h", "proj/doc/README", "proj/ro/conf",
             "proj/tmp/t1", "proj/priv/key", "proj/src/sub/deep/x.txt",
             "proj/src/sub/deep/e/f/g/y.txt"]
    where = {}
    for d in dirs:
        ls = [L for L in un.lowers if rng.random() < 0.4] or \
            [rng.choice(un.lowers)]
        par = os.path.dirname(d)
        if par:  # in a lower where its parent is
            ls = [L for L in ls if L in where[par]] or [where[par][0]]
        where[d] = ls
        for L in ls:
            mode = {"proj/ro": rng.choice([0o555, 0o500, 0o755]),
                    "proj/tmp": rng.choice([0o1777, 0o755]),
                    "proj/priv": rng.choice([0o700, 0o500, 0o755])
                    }.get(d, rng.choice(PROJ_DIR_MODES[:2] + [0o775]))
            if L != un.lowers[-1] and rng.random() < 0.1:
                add(L, d, "d", mode, opaque=True)
            else:
                add(L, d, "d", mode)
    for f in files:
        L = rng.choice(where[os.path.dirname(f)])
        add(L, f, "f", rng.choice(PROJ_FILE_MODES))
    L = rng.choice(where["proj/src"])
    srcs = [e["path"] for e in spec.entries[L] if e["kind"] == "f" and
            e["path"].startswith("proj/src/")]
    if srcs:
        add(L, "proj/src/hard", "h", 0, target=rng.choice(srcs))
    add(rng.choice(where["proj"]), "proj/link", "l", 0,
        target=rng.choice(["src/a.c", "src", "../proj/doc", "nowhere",
                           "doc/README"]))
    # a whiteout in the top lower over a file of a lower below
    lo = un.lowers
    if len(lo) > 1 and lo[0] in where["proj/src"] and \
            any(L in where["proj/src"] for L in lo[1:]):
        below = [e["path"] for L in lo[1:] for e in spec.entries[L]
                 if e["path"].startswith("proj/src/") and
                 e["path"].count("/") == 2 and e["kind"] == "f"]
        if below:
            add(lo[0], rng.choice(below), "w", 0)
    add_build_tree(spec, un, rng, add)
    safe_links(spec)
    return spec


# The build tree (bld/): what users build over a union, C with a
# Makefile, a Go module, a Python package, a patch; its directories
# spread over the lowers as proj's are, so that make's mtime ordering
# compares names of different layers (gen.txt and gen.in: either newer).
BLD_MAKEFILE = """\
CC = cc
PREFIX = $(CURDIR)/inst
OBJS = src/main.o src/util.o
all: prog gen.txt libu.a
prog: $(OBJS)
\t$(CC) -o $@ $(OBJS)
src/%.o: src/%.c
\t$(CC) -c -MD -o $@ $<
-include src/*.d
libu.a: src/util.o
\tar rcs $@ src/util.o
gen.txt: gen.in
\tsed s/in/out/ gen.in >$@
install: all
\tinstall -d $(PREFIX)/bin $(PREFIX)/share/bld
\tinstall -m 755 prog $(PREFIX)/bin/
\tinstall -m 644 gen.txt $(PREFIX)/share/bld/
\tcp -p libu.a $(PREFIX)/share/bld/
clean:
\trm -f prog libu.a src/*.o src/*.d
.PHONY: all install clean"""
BLD_FILES = {
    "bld/Makefile": BLD_MAKEFILE,
    "bld/src/main.c": '#include <stdio.h>\n#include "util.h"\n'
    'int main(void) { printf("%d\\n", util(2)); return 0; }',
    "bld/src/util.c": '#include "util.h"\nint util(int x) { return x * 3; }',
    "bld/src/util.h": "int util(int x);",
    "bld/gen.in": "in alpha\nin beta",
    "bld/gen.txt": "out alpha (old)",
    "bld/notes.txt": "one\ntwo alpha\nthree\nfour beta\nfive",
    "bld/fix.diff": "--- a/notes.txt\n+++ b/notes.txt\n@@ -1,5 +1,5 @@\n"
    " one\n-two alpha\n+two gamma\n three\n four beta\n five",
    "bld/go/go.mod": "module hello\n\ngo 1.19",
    "bld/go/main.go": 'package main\n\nimport (\n\t"fmt"\n\t"os"\n)\n\n'
    'func main() {\n\tfmt.Println("hello")\n'
    '\tif err := os.WriteFile("out.txt", []byte("written\\n"), 0644); '
    'err != nil {\n\t\tfmt.Println(err)\n\t\tos.Exit(1)\n\t}\n}',
    "bld/py/pkg/__init__.py": "X = 1",
    "bld/py/pkg/m.py": "from . import X\nY = X + 1",
}
BLD_DIRS = ["bld", "bld/src", "bld/go", "bld/py", "bld/py/pkg"]


def add_build_tree(spec, un, rng, add):
    where = {}
    for d in BLD_DIRS:
        ls = [L for L in un.lowers if rng.random() < 0.4] or \
            [rng.choice(un.lowers)]
        par = os.path.dirname(d)
        if par in where:
            ls = [L for L in ls if L in where[par]] or [where[par][0]]
        where[d] = ls
        for L in ls:
            add(L, d, "d", rng.choice([0o755, 0o755, 0o555, 0o775]))
    for f, text in sorted(BLD_FILES.items()):
        L = rng.choice(where[os.path.dirname(f)])
        add(L, f, "f", rng.choice([0o644, 0o644, 0o444]), label=text,
            size=len(text) + 1)
    # the git repository of the lowers (built by add_repo): its .git in
    # one lower, its work tree in one (maybe another) where bld is
    spec.progs_repo = (rng.choice(where["bld"]), rng.choice(where["bld"]),
                       rng.random() < 0.5)


def safe_links(spec):
    """No symlink target with '..': a link copied or moved elsewhere (cp
    -a, mv, tar) keeps its target, and one at MERGED's top, or in a
    directory reached through a link to '..', would lead out of MERGED,
    where the steps must never reach (they rm -rf, chmod -R, find
    -delete).  A relative target that climbs becomes the absolute one
    into MERGED it stood for (difftest's {M0}), one that climbs out of
    MERGED "nowhere"."""
    for es in spec.entries.values():
        for e in es:
            t = e.get("target")
            if e["kind"] != "l" or ".." not in t.split("/"):
                continue
            n = os.path.normpath(os.path.join(os.path.dirname(e["path"]),
                                              t))
            e["target"] = "nowhere" if n.startswith("..") else \
                "{M0}" if n == "." else "{M0}/" + n


REPO_FILES = ["a.txt", "sub/b.txt", "c.txt"]


def make_repo(path, tmp):
    """The lowers' git repository (the same for every seed: fixed dates):
    main with two commits, a branch side with a third; the work tree at
    main (c.txt is side's only)."""
    env = dict(os.environ, HOME=tmp, **dict(
        v.split("=", 1) for v in GIT_ENV))

    def git(*a):
        subprocess.run(["git", "-C", path] + list(a), env=env, check=True,
                       stdout=subprocess.DEVNULL)

    os.makedirs(path + "/sub")
    subprocess.run(["git", "init", "-q", "-b", "main", path], env=env,
                   check=True)
    for f, t in [("a.txt", "a1\n"), ("sub/b.txt", "b1\n")]:
        with open(path + "/" + f, "w") as fh:
            fh.write(t)
    git("add", "-A")
    git("commit", "-q", "-m", "c1")
    with open(path + "/a.txt", "a") as fh:
        fh.write("a2\n")
    git("commit", "-q", "-am", "c2")
    git("checkout", "-q", "-b", "side")
    with open(path + "/c.txt", "w") as fh:
        fh.write("c3\n")
    git("add", "c.txt")
    git("commit", "-q", "-m", "c3")
    git("checkout", "-q", "main")
    for root, ds, fs in os.walk(path):
        for n in ds + fs:
            os.utime(os.path.join(root, n), (10 ** 9, 10 ** 9))


def add_repo(spec, R, tmpl):
    """The repository into the lowers: its .git in one, its work tree in
    one (the same or another), packed or loose (gen_layers chose)."""
    gitL, workL, packed = spec.progs_repo
    src = tmpl + ("/packed" if packed else "/loose")
    for L in {gitL, workL}:
        os.makedirs(R + "/" + L + "/bld/repo", exist_ok=True)
    shutil.copytree(src + "/.git", R + "/" + gitL + "/bld/repo/.git",
                    symlinks=True)
    for f in os.listdir(src):
        if f != ".git":
            (shutil.copytree if os.path.isdir(src + "/" + f)
             else shutil.copy2)(src + "/" + f,
                                R + "/" + workL + "/bld/repo/" + f)


def make_repos(tmpl):
    make_repo(tmpl + "/loose", tmpl)
    make_repo(tmpl + "/packed", tmpl)
    subprocess.run(["git", "-C", tmpl + "/packed", "repack", "-a", "-d",
                    "-q"], check=True, env=dict(os.environ, HOME=tmpl))


class Names:
    """The names the steps work on: the layers' and the ones steps made
    (a name removed stays: a step on it then fails on both sides)."""

    def __init__(self, spec, rng):
        self.rng = rng
        self.dirs = set()
        self.files = set()
        for L, es in spec.entries.items():
            for e in es:
                p = e["path"]
                (self.dirs if e["kind"] == "d" else self.files).add(p)
        self.dirs.add(".")
        self.n = 0

    def dir(self):
        return self.rng.choice(sorted(self.dirs))

    def file(self):
        return self.rng.choice(sorted(self.files))

    def any(self):
        return self.rng.choice(sorted(self.dirs | self.files))

    def new(self, kind="d", under=None):
        self.n += 1
        par = under if under is not None else self.dir()
        p = os.path.normpath("%s/%s%d" % (par, "nd" if kind == "d" else "nf",
                                           self.n))
        (self.dirs if kind == "d" else self.files).add(p)
        return p


# a stable archive: names sorted, no times, owners by number, hard links
# stored as files (a copy-up breaks them), none of the files whose bytes
# differ between the sides (norm_tree's: git's index holds inode numbers,
# a .pyc its source's mtime, go's cache hashes of times)
TAR_STABLE = ("--sort=name --mtime=@0 --numeric-owner --hard-dereference "
              "--exclude=.git/index --exclude='*.pyc' --exclude=gocache")


def q(s):
    return shlex.quote(s)


def gen_script(seed, spec, rng):
    nm = Names(spec, rng)
    steps = []

    def rel(cwd, p):
        """p (relative to MERGED) as a step in cwd names it: relative
        when it lies below the cwd, else (and sometimes anyway) by
        "$M"/p.  Never by '..': a cwd entered through a symlink stands
        higher than its name says, and the climb would leave MERGED
        (rm -rf ../../.. removed the layers once)."""
        if p == "." or rng.random() < 0.3:
            return '"$M"/' + q(p) if p != "." else '"$M"'
        if cwd == ".":
            return q(p)
        if p.startswith(cwd + "/"):
            return q(p[len(cwd) + 1:])
        return '"$M"/' + q(p)

    kinds = ["cpa", "cpr", "mv", "rmrf", "mkdirp", "lns", "chmodR", "touch",
             "tar", "sed", "finddel", "findexec", "findls", "pywalk",
             "pycopytree", "pyrmtree", "pymove", "git", "sqlite", "install",
             "cpu", "cwdgone", "cwdmoved", "ls", "cat"]
    weights = [3, 2, 3, 2, 2, 1, 2, 2, 2, 2, 1, 1, 2, 1, 1, 1, 1, 3, 1, 1,
               1, 2, 2, 2, 1]
    kinds.append("busybox")  # (run as true without the supervisor)
    weights.append(2)
    kinds += ["ln", "cpl", "lnsfn", "truncate", "dd", "pyreplace", "wal",
              "realpath", "pwd", "stat"]
    weights += [1, 1, 1, 1, 1, 1, 1, 2, 2, 1]
    # builds (session 16): make, cc/ar, go, __pycache__, perl -i, patch,
    # symlink swaps, cp --reflink, tar x over existing names, git in the
    # lowers' repository
    kinds += ["make", "makeq", "cc", "go", "pyc", "perl", "patch",
              "lnswap", "reflink", "tarover", "gitlow"]
    weights += [5, 2, 3, 1, 2, 1, 1, 1, 1, 2, 3]
    # session 17: cmake (its progress is a count of marker files by
    # opendir/readdir with errno zeroed before: a leftover errno of a
    # call that succeeded read [-75%])
    kinds += ["cmake"]
    weights += [1]
    nm.dirs |= {"bld/repo", "bld/repo/sub"}
    nm.files |= {"bld/repo/" + f for f in REPO_FILES}

    def ex(p):
        """p as a command: a relative one by ./"""
        r = R(p)
        return r if r.startswith('"$M"') or r.startswith("/") else "./" + r
    def outside(src, dst):
        """A source that dst is not inside: a copy into itself goes on
        as long as the paths allow (copytree, tar) or stops where cp
        meets its own copy, after what readdir's order put first (the
        order is no contract: the kernel's and the library's differ)."""
        for _ in range(8):
            if not (src == "." or dst == src or dst.startswith(src + "/")):
                break
            src = nm.any()
        return src

    for _ in range(rng.randint(10, 30)):
        k = rng.choices(kinds, weights)[0]
        cwd = nm.dir() if rng.random() < 0.7 else "."
        while k in ("cwdgone", "cwdmoved") and cwd == ".":
            cwd = nm.dir()  # (not MERGED itself: a mount point)
        out = False
        R = lambda p: rel(cwd, p)  # noqa: E731
        if k == "cpa":
            dst = nm.new(rng.choice("df"))
            cmd = "cp -a %s %s" % (R(outside(nm.any(), dst)), R(dst))
        elif k == "cpr":
            dst = nm.dir()
            cmd = "cp -r %s %s" % (R(outside(nm.any(), dst)), R(dst))
        elif k == "mv":
            dst = nm.new(rng.choice("df")) if rng.random() < 0.6 \
                else nm.dir()
            cmd = "mv %s %s" % (R(outside(nm.any(), dst)), R(dst))
        elif k == "rmrf":
            cmd = "rm -rf %s" % R(nm.any())
        elif k == "mkdirp":
            d = nm.new("d")
            cmd = "mkdir -p %s" % R(nm.new("d", under=d))
        elif k == "lns":
            # (no '..' in a target: see safe_links)
            t = rng.choice([os.path.basename(nm.any()), ".", "nowhere",
                            "proj/src"])
            cmd = "ln -s %s %s" % (q(t), R(nm.new("f")))
        elif k == "chmodR":
            p = nm.any()
            modes = ["755", "700", "500", "555", "1777", "u+w", "go-w",
                     "a+rX", "u-w", "644"]
            if p == ".":
                # MERGED's own mode is the upper's: without its owner's
                # search permission the library, running as the user,
                # cannot reach UPPER/.union (README's differences: new
                # processes exit 125), where the kernel works on
                modes = ["755", "700", "1777", "u+w", "go-w", "a+rX"]
            cmd = "chmod -R %s %s" % (rng.choice(modes), R(p))
        elif k == "touch":
            p = nm.new("f") if rng.random() < 0.5 else nm.any()
            cmd = "touch %s" % R(p)
        elif k == "tar":
            dst = nm.new("d")
            src = outside(nm.any(), dst)
            tf = TAR_STABLE
            if rng.random() < 0.5:
                cmd = ("mkdir -p %s && tar c %s -f - %s | tar x -f - -C %s" %
                       (R(dst), tf, R(src), R(dst)))
            else:
                a = nm.new("f")
                cmd = ("tar c %s -f %s %s && mkdir -p %s && tar x -f %s -C %s"
                       % (tf, R(a), R(src), R(dst), R(a), R(dst)))
        elif k == "sed":
            cmd = "sed -i 's/alpha/ALPHA/;$a\\\nline%d' %s" % (
                len(steps), R(nm.file()))
        elif k == "finddel":
            cmd = "find %s -name %s -delete" % (
                R(nm.dir()), q(rng.choice(["*.c", "n*", "a*", "*"])))
        elif k == "findexec":
            cmd = "find %s -type f -exec chmod %s {} +" % (
                R(nm.dir()), rng.choice(["600", "644", "444"]))
        elif k == "findls":
            cmd = "find %s -printf '%%y %%m %%s %%P %%l\\n' | sort" % \
                R(nm.dir())
            out = True
        elif k == "pywalk":
            cmd = ("python3 -c 'import os,sys\n"
                   "for r,ds,fs in os.walk(sys.argv[1]):\n"
                   "  open(os.path.join(r,\"w.txt\"),\"a\").write(str(len(fs)))\n'"
                   " %s" % R(nm.dir()))
        elif k == "pycopytree":
            dst = nm.new("d")
            cmd = ("python3 -c 'import shutil,sys; shutil.copytree("
                   "sys.argv[1], sys.argv[2], symlinks=True)' %s %s" % (
                       R(outside(nm.dir(), dst)), R(dst)))
        elif k == "pyrmtree":
            cmd = ("python3 -c 'import shutil,sys; shutil.rmtree("
                   "sys.argv[1])' %s" % R(nm.dir()))
        elif k == "pymove":
            dst = nm.new("d") if rng.random() < 0.5 else nm.dir()
            cmd = ("python3 -c 'import shutil,sys; shutil.move("
                   "sys.argv[1], sys.argv[2])' %s %s" % (
                       R(outside(nm.any(), dst)), R(dst)))
        elif k == "git":
            g = rng.choice(["proj", "proj/src", nm.dir()])
            a, b = os.path.basename(nm.file()), "moved%d" % len(steps)
            cmd = rng.choice([
                "git init -q -b main %s && git -C %s add -A && "
                "git -C %s commit -q -m c%d" % (R(g), R(g), R(g), len(steps)),
                "git -C %s add -A && git -C %s commit -q -m c%d" % (
                    R(g), R(g), len(steps)),
                "git -C %s checkout -q -b b%d && git -C %s mv %s %s && "
                "git -C %s commit -q -m m%d" % (R(g), len(steps), R(g),
                                                q(a), q(b), R(g), len(steps)),
                "git -C %s checkout -q main" % R(g),
                "git -C %s status --porcelain | sort" % R(g),
                "git -C %s log --format=%%s | sort" % R(g)])
            out = "status" in cmd or "log" in cmd
        elif k == "sqlite":
            d = nm.dir()
            cmd = ("sqlite3 %s 'create table if not exists t(x); insert into "
                   "t values(%d); select count(*), sum(x) from t;'" % (
                       R(d + "/db.sqlite"), len(steps)))
            nm.files.add(d + "/db.sqlite")
            out = True
        elif k == "install":
            cmd = "install -D -m %s %s %s" % (
                rng.choice(["644", "600", "755"]), R(nm.file()),
                R(nm.new("f", under=nm.new("d"))))
        elif k == "cpu":
            dst = nm.dir()
            cmd = "cp -r -u %s %s" % (R(outside(nm.dir(), dst)), R(dst))
        elif k == "cwdgone":
            # the cwd removed under the step, which goes on there
            cmd = rng.choice([
                'rm -rf "$PWD" && touch f; mkdir d; ls -A; echo x >g',
                'cd .. && rm -rf "$OLDPWD" && cd "$OLDPWD"; pwd; ls',
                'python3 -c \'import os,shutil; shutil.rmtree(os.getcwd()); '
                'print(os.listdir(".")); open("z","w")\'',
                'rm -rf "$PWD" && git init -q; sqlite3 db "create table t(x)"'])
            out = "listdir" in cmd
        elif k == "cwdmoved":
            d = nm.new("d")
            cmd = ('mv "$PWD" "$M"/%s && touch here && mkdir -p q/r && '
                   'ls -A | sort && find . | sort' % q(d))
            out = True
        elif k == "ls":
            cmd = "ls -1A %s | sort" % R(nm.dir())
            out = True
        elif k == "cat":
            cmd = "cat %s | md5sum" % R(nm.file())
            out = True
        elif k == "ln":
            cmd = "ln %s %s" % (R(nm.any()), R(nm.new("f")))
        elif k == "cpl":
            dst = nm.new("d")
            cmd = "cp -al %s %s" % (R(outside(nm.any(), dst)), R(dst))
        elif k == "lnsfn":
            cmd = "ln -sfn %s %s" % (q(rng.choice(
                [os.path.basename(nm.dir()), ".", "nowhere"])), R(nm.any()))
        elif k == "truncate":
            cmd = "truncate -s %d %s" % (rng.choice([0, 3, 5000]),
                                        R(nm.file()))
        elif k == "dd":
            cmd = ("printf XYZ | dd of=%s bs=1 seek=%d conv=notrunc "
                   "status=none" % (R(nm.file()), rng.choice([0, 5, 4097])))
        elif k == "pyreplace":
            # an editor's save: a temporary file beside it, renamed over
            f = nm.file()
            cmd = ("python3 -c 'import os,sys,tempfile\n"
                   "p=sys.argv[1]; d=os.path.dirname(p) or \".\"\n"
                   "old=open(p).read() if os.path.exists(p) else \"\"\n"
                   "fd,t=tempfile.mkstemp(dir=d)\n"
                   "os.write(fd,(old+\"saved\\n\").encode()); os.close(fd)\n"
                   "os.chmod(t,0o644); os.replace(t,p)' %s" % R(f))
        elif k == "wal":
            d = nm.dir()
            cmd = ("sqlite3 %s 'pragma journal_mode=wal; create table if "
                   "not exists w(x); insert into w values(%d); select "
                   "count(*) from w;'" % (R(d + "/wal.sqlite"), len(steps)))
            nm.files.add(d + "/wal.sqlite")
            out = True
        elif k == "realpath":
            # (the kernel's side names MERGED as the library's does: the
            # same path)
            cmd = "readlink -f %s; realpath -e %s" % (R(nm.any()),
                                                      R(nm.any()))
            out = True
        elif k == "pwd":
            cmd = "pwd -P; /bin/pwd; cd -P %s && pwd -P && ls -A | sort" % \
                R(nm.any())
            out = True
        elif k == "stat":
            cmd = "stat -c '%%A %%F %%s %%N' %s" % " ".join(
                R(nm.any()) for _ in range(3))
            out = True
        elif k in ("make", "makeq"):
            b = rng.choice(["bld", "bld", "bld", nm.dir()])
            # (-k: what a failing -j build started before it stopped
            # is the scheduler's business)
            j = rng.choice(["", "", "-j2 -k ", "-j4 -k "])
            mk = "make --no-print-directory -C %s %s" % (R(b), j)
            if k == "makeq":
                # what make decides from the mtimes alone (of names of
                # different layers, copied up or not)
                cmd = rng.choice(["%s-q all; echo q=$?" % mk,
                                  "{ %s-n all; echo rc=$?; } | sort" % mk])
            else:
                cmd = rng.choice([
                    "{ %sall; echo rc=$?; } | sort" % mk,
                    "{ %sinstall PREFIX=\"$M\"/%s; echo rc=$?; } | sort" % (
                        mk, q(nm.new("d"))),
                    "%sclean" % mk,
                    "touch %s && { %s; echo rc=$?; } | sort" % (
                        R(b + "/" + rng.choice(["src/util.c", "src/util.h",
                                                "gen.in"])), mk),
                    "{ %sprog gen.txt; echo rc=$?; } | sort" % mk])
            out = True
        elif k == "cc":
            src = rng.choice(["bld/src/main.c", "bld/src/util.c",
                              nm.file()])
            o = nm.new("f")
            # (-x c: a header is C too, not a precompiled header, whose
            # bytes are the compiler's memory)
            cmd = rng.choice([
                "cc -c -MD -o %s.o -x c %s" % (R(o), R(src)),
                "TMPDIR=\"$M\"/%s cc -c -o %s.o -x c %s" % (
                    q(nm.dir()), R(o), R(src)),
                "cc -save-temps=obj -c -o %s.o -x c %s" % (R(o), R(src)),
                "cc -pipe -o %s %s %s && %s" % (
                    R(o), R("bld/src/main.c"), R("bld/src/util.c"), ex(o)),
                "cc -c -o %s.o -x c %s && ar rcs %s.a %s.o && ar t %s.a" % (
                    R(o), R(src), R(o), R(o), R(o))])
            nm.files |= {o + ".o", o + ".d", o + ".a", o + ".i", o + ".s"}
            out = True
        elif k == "go":
            g = rng.choice(["bld/go", "bld/go", nm.dir()])
            env = "GOCACHE=%s GOPATH=%s" % (
                rng.choice(['"$HOME"/gocache', '"$M"/gocache']),
                rng.choice(['"$HOME"/gopath', '"$M"/gopath']))
            cmd = "cd %s && %s " % (R(g), env) + rng.choice([
                "go build -o hello . && ./hello && cat out.txt",
                "go run . && cat out.txt",
                "go build ./... && ls | sort"])
            nm.files |= {g + "/hello", g + "/out.txt"}
            out = True
        elif k == "pyc":
            d = rng.choice(["bld/py", "bld/py", nm.dir()])
            cmd = rng.choice([
                "python3 -m compileall -q %s" % R(d),
                "python3 -m compileall -q --invalidation-mode checked-hash "
                "%s" % R(d),
                "cd %s && python3 -c 'import pkg.m; print(pkg.m.Y)'" % R(d),
                "PYTHONPYCACHEPREFIX=\"$M\"/%s python3 -c 'import sys; "
                "sys.path.insert(0, sys.argv[1]); import pkg.m' %s" % (
                    q(nm.new("d")), R(d))])
            out = "print" in cmd
        elif k == "perl":
            f = nm.file()
            if rng.random() < 0.5:
                cmd = "perl -i -pe 's/beta/BETA/' %s" % R(f)
            else:
                cmd = "perl -i.orig -pe 's/a/A/g' %s" % R(f)
                nm.files.add(f + ".orig")
        elif k == "patch":
            d = rng.choice(["bld", "bld", nm.dir()])
            cmd = "patch %s -p1 -d %s -i \"$M\"/bld/fix.diff" % (
                rng.choice(["-s", "-s -b", "-s -R", "-s -N", "--dry-run"]),
                R(d))
            nm.files |= {d + "/notes.txt.orig", d + "/notes.txt.rej"}
            out = True
        elif k == "lnswap":
            # a symlink swapped in by rename (a deploy's current -> new)
            t = rng.choice([os.path.basename(nm.dir()), "bld", "nowhere"])
            tmp, ln = nm.new("f"), rng.choice([nm.any(), nm.new("f")])
            cmd = "ln -sfn %s %s && mv -Tf %s %s" % (q(t), R(tmp), R(tmp),
                                                     R(ln))
        elif k == "reflink":
            dst = rng.choice([nm.new("f"), nm.any()])
            cmd = "cp --reflink=auto %s %s" % (R(outside(nm.file(), dst)),
                                               R(dst))
        elif k == "tarover":
            # an archive of a tree extracted back over it (and its changes)
            p = nm.any()
            if p == ".":
                p = "bld"
            par, base = os.path.dirname(p) or ".", os.path.basename(p)
            a = nm.new("f")
            cmd = ("tar c %s -f %s -C %s %s && %s && tar x %s -f "
                   "%s -C %s" % (
                       TAR_STABLE, R(a), R(par), q(base), rng.choice([
                           "true", "rm -rf %s" % R(nm.any()),
                           "chmod -R u+w %s" % R(p),
                           "echo new >%s" % R(nm.file())]),
                       rng.choice(["--overwrite", "--keep-old-files",
                                   "--skip-old-files", "--unlink-first",
                                   "--recursive-unlink", ""]),
                       R(a), R(par)))
        elif k == "gitlow":
            # git in the repository that lies in the lowers (add_repo)
            g = R("bld/repo")
            n = len(steps)
            cmd = rng.choice([
                "git -C %s status --porcelain | sort" % g,
                "git -C %s checkout -q side && ls -A %s | sort" % (g, g),
                "git -C %s checkout -q main~1 && cat %s/a.txt" % (g, g),
                "echo x%d >>%s/a.txt && git -C %s stash -q && git -C %s "
                "stash list | wc -l" % (n, g, g, g),
                "git -C %s stash pop -q; git -C %s status --porcelain | sort"
                % (g, g),
                "echo n%d >>%s/sub/b.txt && git -C %s commit -q -am w%d && "
                "git -C %s log --format=%%s | sort" % (n, g, g, n, g),
                "git clone -q --no-hardlinks %s %s && git -C %s log "
                "--format=%%s" % (g, R(nm.new("d")), g),
                "git -C %s repack -a -d -q && git -C %s count-objects" % (
                    g, g),
                "git -C %s reset -q --hard && git -C %s clean -fdq" % (g, g)])
            out = True
        elif k == "cmake":
            d = nm.new("d")
            # (CMake's quoted arguments: "$M/..." whole, $M expanded by
            # the shell inside printf's double quotes)
            lists = ('cmake_minimum_required(VERSION 3.10)\\nproject(t C)\\n'
                     'include_directories(\\"$M/bld/src\\")\\n'
                     'add_library(u STATIC \\"$M/bld/src/util.c\\")\\n'
                     'add_executable(p \\"$M/bld/src/main.c\\")\\n'
                     'target_link_libraries(p u)\\n')
            b = rng.choice(["b", "."])
            # (the build tree holds the compiler's probes and logs with
            # times: removed; what is compared is make's output)
            cmd = ("mkdir -p %s && cd %s && printf %s >CMakeLists.txt && "
                   "cmake -S . -B %s >/dev/null 2>&1; { make -s -C %s 2>&1; "
                   "echo rc=$?; } | grep -v '^make' && ./%s/p; rm -rf "
                   "CMakeFiles CMakeCache.txt b Makefile cmake_install.cmake "
                   "libu.a p" % (R(d), R(d), '"%s"' % lists, b, b, b))
            out = True
        else:  # busybox
            bb = BUSYBOX
            d, f = nm.new("d"), nm.new("f")
            cmd = rng.choice([
                "%s cp -a %s %s" % (bb, R(outside(nm.any(), d)), R(d)),
                "%s rm -rf %s" % (bb, R(nm.any())),
                "%s mv %s %s" % (bb, R(outside(nm.any(), f)), R(f)),
                "%s mkdir -p %s" % (bb, R(nm.new("d", under=nm.new("d")))),
                "%s find %s | sort" % (bb, R(nm.dir()))])
            out = "find" in cmd
        steps.append({"cwd": cwd, "cmd": cmd, "out": out, "go": k == "go"})
    return steps


def gen_case(dt, seed):
    """The layers and the script of a seed: the same whatever the
    machine has (a busybox step without the supervisor runs as true)."""
    rng = random.Random("progs-%d" % seed)
    spec = gen_layers(dt, rng)
    return spec, gen_script(seed, spec, rng)


# ----------------------------------------------------------------------
# Running one side

def err_class(err):
    cls = set()
    for line in err.splitlines():
        if not line.strip():
            continue
        for e in ERRS:
            if e in line:
                cls.add(e)
                break
        else:
            cls.add("other")
    return sorted(cls)


def norm_tree(lines):
    """tree_state.py's lines of the view, without what may differ:
    mtimes (the steps ran at other times), link counts (hard links break
    at copy-up: DESIGN.md), a directory's size (the file system's
    business), and .git/index's content (it holds the stat data, inode
    numbers and times, of every file git saw)."""
    out = []
    for ln in lines:
        if ln.startswith("xattr "):
            out.append(ln)
            continue
        ln = re.sub(r" nlink=\d+ mtime=\d+", "", ln)
        m = re.match(r"^(\S+) (\S) (.*)$", ln)
        if m and m.group(2) == "d":
            ln = re.sub(r" size=\d+", "", ln)
        if m and re.search(r"(^|/)\.git/index$|\.pyc$", m.group(1)):
            # (a .pyc holds its source's mtime)
            ln = re.sub(r" sha256=\w+", "", ln)
        if m and re.search(r"(^|/)gocache/", m.group(1)):
            continue  # go's cache: names of hashes of times and ids
        out.append(ln)
    return out


class Side:
    def __init__(self, args, dt, tmp):
        self.args, self.dt, self.tmp = args, dt, tmp
        first = os.environ.get("UN_PRELOAD_FIRST", "")
        self.preload = (first + " " + args.lib) if first else args.lib

    def env(self, kernel, spec, R, M):
        pre = self.dt.SETPRIV if self.args.as_user else []
        e = ["env", "-u", "LD_PRELOAD", "-u", "UNION_LAYERS", "LC_ALL=C",
             "HOME=" + self.tmp + "/home", "M=" + M, "TZ=UTC"] + GIT_ENV + [
                 # git stops at MERGED looking for a repository: above it
                 # the kernel's side crosses a mount (git says so), the
                 # library's does not
                 "GIT_CEILING_DIRECTORIES=" + R,
                 # go offline, as tests/edges/supervise-go.sh runs it
                 "GOFLAGS=-mod=mod -buildvcs=false", "GOPROXY=off",
                 "GOTOOLCHAIN=local", "GO111MODULE=on", "GOTELEMETRY=off",
                 "GOCACHE=" + self.tmp + "/home/gocache"]
        if not kernel:
            e += ["UNION_LAYERS=" + self.dt.union_layers(spec, R),
                  "LD_PRELOAD=" + self.preload]
            if self.args.supervisor:
                e.append("UNION_SUPERVISOR=" + self.args.supervisor)
        return pre + e

    def run_step(self, pre, M, st):
        cwd = M if st["cwd"] == "." else M + "/" + st["cwd"]
        cmd = st["cmd"]
        if (cmd.startswith(BUSYBOX) and not self.args.busybox) or \
                (st.get("go") and not self.args.supervisor):
            # (no static busybox, or no supervisor built: go runs Go
            # programs, static ones, that the library refuses to run
            # without it, where the kernel's side runs them)
            cmd = "true"
        # (a cwd that resolves outside MERGED would be a harness bug, or
        # the library's: never run a step there)
        script = ("umask 022; cd -- %s || exit 99\n"
                  'case $(pwd -P) in "$M"|"$M"/*) ;; *) echo "cwd outside '
                  'MERGED: $(pwd -P)" >&2; exit 98;; esac\n%s' % (q(cwd), cmd))
        try:
            r = subprocess.run(pre + ["sh", "-c", script],
                               stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               cwd=self.tmp, timeout=self.args.timeout)
            rc, o, e = r.returncode, r.stdout, r.stderr
        except subprocess.TimeoutExpired as ex:
            rc, o, e = "hang", ex.stdout or b"", ex.stderr or b""
        e = e.decode("utf-8", "replace")
        if self.dt.PRELOAD_FAILED in e:
            raise RuntimeError("libunion was not loaded")
        return {"rc": rc, "err": e, "cls": err_class(e),
                "out": o.decode("utf-8", "replace") if st["out"] else None}

    def play(self, kernel, spec, steps, R):
        dt = self.dt
        un = spec.unions[0]
        dt.rmtree(R)
        dt.build(spec, R, kernel, self.args.as_user)
        add_repo(spec, R, self.args.repo_tmpl)
        # a fresh HOME for each side (go's caches may be there)
        dt.rmtree(self.tmp + "/home")
        os.makedirs(self.tmp + "/home")
        if self.args.as_user:
            os.chown(self.tmp + "/home", dt.USER_ID, dt.USER_ID)
        if self.args.as_user:
            dt.give_to_user(spec, R)
        M = R + "/" + un.merged
        before = {lo: dt.tree_state(R + "/" + lo) for lo in un.lowers}
        pre = self.env(kernel, spec, R, M)
        mounted = False
        res, probs = [], []
        try:
            if kernel:
                r = subprocess.run(["mount", "-t", "overlay", "overlay",
                                    "-o", dt.kernel_opts(un, R,
                                                         self.args.as_user),
                                    M], stderr=subprocess.PIPE)
                if r.returncode:
                    raise RuntimeError("mount: " + r.stderr.decode())
                mounted = True
            else:
                r = subprocess.run(pre + ["grep", "-c", "libunion",
                                          "/proc/self/maps"],
                                   stdout=subprocess.PIPE)
                if r.stdout.strip() in (b"", b"0"):
                    raise RuntimeError("libunion not loaded")
            for st in steps:
                res.append(self.run_step(pre, M, st))
            out = os.path.join(self.tmp, "tree.%s" % (
                "kernel" if kernel else "union"))
            r = subprocess.run(pre + [PYTHON, "-S", os.path.join(
                TOP, "tests", "tree_state.py"), out, M],
                stderr=subprocess.PIPE, cwd=self.tmp)
            if r.returncode:
                probs.append("the tree's listing failed: %s" %
                             r.stderr.decode()[-300:])
                tree = []
            else:
                with open(out) as f:
                    tree = norm_tree(f.read().splitlines())
                if kernel:
                    # a whiteout the kernel lists where it does not merge
                    # (above; also where the layers' dirs meet otherwise):
                    # listed, lstat ENOENT (race.py's judge skips it too)
                    tree = [ln for ln in tree if not ln.endswith(
                        " gone (No such file or directory)")]
        finally:
            if mounted:
                dt.umount(M)
        for lo in un.lowers:
            if dt.tree_state(R + "/" + lo) != before[lo]:
                probs.append("the lower %s changed" % lo)
        if self.args.keep:
            k = "%s.%s" % (R, "kernel" if kernel else "union")
            dt.rmtree(k)
            # (cp -a: copytree cannot copy fifos nor whiteouts)
            subprocess.run(["cp", "-a", R, k], check=True)
        return res, tree, probs


# Mismatches known and not fixed yet (docs/STATUS.md, What remains):
# a step whose command matches is reported KNOWN; a seed whose every
# mismatching step is known is KNOWN as a whole, its tree included (the
# tree follows from the steps).  Delete a line when its fix lands.
KNOWN = []


def known(cmd, err=""):
    """The name of the known mismatch cmd (and libunion's stderr) shows."""
    for rx, name in KNOWN:
        if rx.search(cmd) or rx.search(err):
            return name
    return None


def compare(steps, kres, ures, ktree, utree):
    """The mismatches: (text, known name or None).  After a known
    mismatch the trees differ: later ones are its consequences."""
    out = []
    after = None
    for i, (st, a, b) in enumerate(zip(steps, kres, ures)):
        why = []
        if a["rc"] != b["rc"]:
            why.append("status %s, libunion %s" % (a["rc"], b["rc"]))
        if a["cls"] != b["cls"]:
            why.append("stderr %s, libunion %s" % (a["cls"], b["cls"]))
        if a["out"] != b["out"]:
            why.append("stdout %r, libunion %r" % (
                (a["out"] or "")[-300:], (b["out"] or "")[-300:]))
        if not why and str(i) in os.environ.get("PROGS_SHOW", "").split(","):
            why.append("(shown: PROGS_SHOW) status %s, stdout %r" % (
                a["rc"], (a["out"] or "")[-300:]))
        if why:
            out.append(("step %d (cwd %s: %s): kernel %s\n      kernel "
                        "stderr: %s\n      libunion stderr: %s" % (
                            i, st["cwd"], st["cmd"], "; ".join(why),
                            a["err"].strip()[-300:],
                            b["err"].strip()[-300:]),
                        known(st["cmd"], b["err"]) or after))
            after = out[-1][1]
    k = out[0][1] if out and all(n for _, n in out) else None
    if ktree != utree:
        ks, us = set(ktree), set(utree)
        for ln in sorted(ks - us)[:6]:
            out.append(("tree: kernel has  %s" % ln, k))
        for ln in sorted(us - ks)[:6]:
            out.append(("tree: libunion has %s" % ln, k))
    return out


def run_seed(args, dt, seed):
    spec, steps = gen_case(dt, seed)
    tmp = tempfile.mkdtemp(prefix="progs.", dir=args.tmpdir)
    os.chmod(tmp, 0o1777)
    os.makedirs(tmp + "/home")
    if args.as_user:
        os.chown(tmp + "/home", dt.USER_ID, dt.USER_ID)
    R = os.path.join(tmp, "R")
    side = Side(args, dt, tmp)
    found = []
    try:
        kres, ktree, kp = side.play(True, spec, steps, R)
        found += [("kernel: " + p, None) for p in kp]
        ures, utree, up = side.play(False, spec, steps, R)
        found += [("libunion: " + p, None) for p in up]
        found += compare(steps, kres, ures, ktree, utree)
    finally:
        if not args.keep:
            dt.rmtree(tmp)
        else:
            print("kept %s" % tmp)
    return steps, found


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--seed", type=int, action="append")
    ap.add_argument("--as-user", action="store_true",
                    help="the layers are uid 65534's, who plays")
    ap.add_argument("--lib", default=os.environ.get(
        "LIBUNION", os.path.join(TOP, "preload", ".libs", "libunion.so")))
    ap.add_argument("--supervisor", default=None,
                    help="tools/union-supervise (default: beside the "
                    "library's build tree; busybox steps only with it)")
    ap.add_argument("--timeout", type=int, default=30,
                    help="seconds for one step")
    ap.add_argument("--time-budget", type=float, default=0,
                    help="start no seed after SECONDS")
    ap.add_argument("--tmpdir", default=os.environ.get("TMPDIR", "/tmp"))
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--print-steps", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    sys.path.insert(0, os.path.join(TOP, "tests", "difftest"))
    import difftest as dt
    seeds = args.seed or list(range(args.first_seed,
                                    args.first_seed + args.seeds))
    args.lib = os.path.abspath(args.lib.split()[-1])
    if args.supervisor is None:
        s = os.path.join(os.path.dirname(args.lib), "..", "..", "tools",
                         "union-supervise")
        args.supervisor = os.path.abspath(s) if os.access(s, os.X_OK) \
            else ""
    # (a dynamic busybox is of no interest)
    args.busybox = bool(args.supervisor) and os.access(BUSYBOX, os.X_OK) \
        and b"statically linked" in subprocess.run(
            ["file", "-L", BUSYBOX], stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL).stdout
    if not args.print_steps and not (args.supervisor and args.busybox):
        # (the library refuses them without it: edges/unwrapped-go.sh)
        print("progs.py: %s: the %s steps run as true" % (
            "no static busybox" if args.supervisor else
            "no supervisor (tools/union-supervise)",
            "busybox" if args.supervisor else "go and busybox"))
    if args.print_steps:
        for s in seeds:
            print("seed %d:" % s)
            for i, st in enumerate(gen_case(dt, s)[1]):
                print("  %2d cwd=%s: %s" % (i, st["cwd"], st["cmd"]))
        return 0
    if os.geteuid() != 0:
        print("SKIP: progs.py needs root for the kernel overlay")
        return 77
    if not os.path.exists(args.lib):
        print("no library at %s (make first)" % args.lib)
        return 2
    args.tmpdir = tempfile.mkdtemp(prefix="progs.", dir=args.tmpdir)
    os.chmod(args.tmpdir, 0o755)
    args.repo_tmpl = args.tmpdir + "/repo"
    make_repos(args.repo_tmpl)
    # a private copy of the library: a rebuild meanwhile must not change
    # what runs midway (difftest's snapshot)
    args.lib = dt.snapshot(args.lib, args.tmpdir, lambda p: None)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
    t0 = time.monotonic()
    bad = ran = nknown = 0
    try:
        for s in seeds:
            if args.time_budget and time.monotonic() - t0 > args.time_budget:
                break
            steps, found = run_seed(args, dt, s)
            ran += 1
            if found or args.verbose:
                print("seed %d: %d steps%s" % (
                    s, len(steps), " (as uid %d)" % dt.USER_ID
                    if args.as_user else ""))
            if found:
                if all(n for _, n in found):
                    nknown += 1
                else:
                    bad += 1
                for p, n in found[:10]:
                    print("  %s %s" % ("KNOWN (%s)" % n if n else "MISMATCH",
                                       p))
            sys.stdout.flush()
    finally:
        if not args.keep:
            dt.rmtree(args.tmpdir)
    print("progs.py: %d seeds%s, %d with a mismatch, %d with known ones "
          "only (%.0f s)" % (
              ran, " as uid %d" % dt.USER_ID if args.as_user else "", bad,
              nknown, time.monotonic() - t0))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main() or 0)
