#!/usr/bin/env python3
"""race.py - a concurrency tester: N processes of one union at once,
the kernel's overlayfs against libunion.

From a seed: random layers (tests/difftest's gen_layers, plus lower-only
directories of its own: src/d/e, lib/g/h, obj/o, some merged from two
lowers, lower files under the operations' names, and v/w that the
operations may remove), then N processes (2-8, each a fresh exec, some
with a cwd inside a lower-only directory, entered by `sh -c 'cd DIR &&
exec ...'` as make starts its compilers) each play a random list of
operations on OVERLAPPING names, all started at once (a barrier):
create, append, mkdir -p, rm, rm -rf, rename within and across
directories, chmod, touch of directories, symlink, link, ls, lstat.
Session 15's operations, from a generator of their own: a process may
play in 2-4 threads; directory descriptors held across the others'
changes (hold, atcreate, atls, fchdir), a cwd that threads move (chdir,
fchdir; cwdcreate, cwdls, getcwd), truncate/ftruncate, user.* xattrs
and links of lower files (TFILES) racing their copy-ups, and an
upper-only directory one process moves between m1 and m2 (MDIRS).
Every operation records its result (ok or the errno).  The same seed
is played over a kernel overlay mount, then (ROUNDS times, on fresh
layers) under libunion.

Race results differ run to run, so the sides are not compared answer
by answer: each run is judged against what the operations' semantics
allow for ANY interleaving (the same judge on both sides; a rule the
kernel breaks is the judge's error, printed as such):

  - an errno no interleaving gives: EIO, ESTALE, EBADF, EFAULT, ENOMEM,
    EAGAIN, EUCLEAN, EINVAL (but rename); ENOENT creating, appending or
    listing in a directory that exists from the start and that no
    operation of any process removes, renames or replaces (the session
    14 race: a directory's copy-up replaced by another process's);
    ENOENT from ls/chmod/touch/lstat of such a name; EEXIST or ENOTDIR
    from mkdir -p where no prefix can be a non-directory or vanish;
  - a crash (a signal, a Python exception), a hang (a worker past its
    time);
  - a listing (ls) of such a directory without a name it holds from
    the start and nobody removes; a name listed twice; a name that no
    layer and no operation ever made (a staged copy leaking);
  - at the end: a file written (create/append) or a directory made
    (mkdir -p) missing though nothing could remove it; an appended
    record missing from a file nothing truncated or replaced; the final
    tree's listing inconsistent with lstat of each name (a listed name
    that lstat does not find, a d_type that is not lstat's type, a name
    lstat finds that its directory does not list);
  - session 15's: an error through a held descriptor or in a cwd of a
    directory that lives throughout (fchdir never fails), a getcwd no
    chdir gave, an xattr value nothing set or a private one listed; at
    the end a file made through them missing, an appended record twice
    or lost (unless a truncation could cut it) or content that is not
    the lower's with the records, linked names two files, an xattr set
    and never removed without a value set (the lower's kept);
  - the lowers changed; under libunion, leftovers in UPPER/.union/work,
    a whiteout table `union diff` (tools/) refuses, and the upper it
    left, converted to overlayfs's whiteouts (`union convert
    --to-overlay`) and mounted, showing the kernel another tree than
    libunion listed.

The kernel's ESTALE where a directory of the path may be replaced, and
its listing of a lower's whiteouts in a directory of one layer, are
not held against it.  The processes use python (a worker is this file,
copied with the library into the run's temporary directory).

    race.py --seeds 20 [--first-seed S] [--rounds 3] [--as-user]
    race.py --seed 7 --rounds 50 --side union --lib OLD/libunion.so -v

Exit status: 0 nothing found, 1 something found (or the judge broke on
the kernel), 77 not root (skip), 2 usage or harness error.
"""

import argparse
import errno
import json
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") \
    else sys.executable

# The lower-only directories that no operation removes, renames or
# replaces (the rules below are derived from the operations, not from
# this list: it only steers the generator), the volatile ones, and the
# file names.
STABLE = ["src", "src/d", "src/d/e", "lib", "lib/g", "lib/g/h", "obj",
          "obj/o"]
VOLATILE = ["v", "v/w", "n", "n/m"]
FILES = ["x", "y", "z", "k"]
TOPN = ["a", "b", "c", "d", "e", "f"]  # difftest's names (maybe symlinks)
CWDS = ["src", "src/d", "src/d/e", "lib", "lib/g/h", "obj/o"]
DIR_MODES = [0o755, 0o700, 0o775]
FILE_MODES = [0o644, 0o600, 0o664]

# Session 15's operations, on names of their own (the older operations
# never touch them, so the judge can be strict there): lower files that
# appends, truncations, xattr changes and links copy up at once (src/t5
# a lower hard link of src/t4: index=off, each name its own copy), the
# names they are linked to, the xattrs, and an upper-only directory
# that only moves between m1 and m2 (never removed: it holds "keep"),
# for descriptors and cwds held across renames.
TFILES = ["src/t1", "lib/g/t2", "obj/o/t3", "src/t4", "src/t5"]
LINKS = {"src/t1": "src/l1", "src/t4": "src/l4"}
XFILES = set(TFILES) | set(LINKS.values())
XATTRS = ["user.a", "user.b", "user.lo"]
MDIRS = ["m1", "m2"]
HOLDS = STABLE + ["v", "v/w"] + MDIRS
OPS15 = {"trunc", "ftrunc", "setx", "getx", "rmx", "listx", "hold",
         "atcreate", "atls", "fchdir", "chdir", "cwdcreate", "cwdls",
         "getcwd"}

ALWAYS_BAD = {"EIO", "ESTALE", "EBADF", "EFAULT", "ENOMEM", "EAGAIN",
              "EUCLEAN", "EDEADLK", "ENOSPC", "EOVERFLOW"}


# ----------------------------------------------------------------------
# The worker: one process of a run (a fresh exec of this file)

def en(ex):
    return errno.errorcode.get(ex.errno, str(ex.errno))


def w_mkdirp(p):
    parts = p.split("/")
    for i in range(1, len(parts) + 1):
        q = "/".join(parts[:i])
        if not q or q == ".":
            continue
        try:
            os.mkdir(q, 0o755)
        except OSError as ex:
            if ex.errno != errno.EEXIST:
                raise
            try:
                st = os.stat(q)
            except OSError:
                raise ex
            if not stat.S_ISDIR(st.st_mode):
                raise ex


def w_rmrf(p):
    """rm -rf: a name already gone is no error (as rm -f)."""
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode):
        try:
            names = os.listdir(p)
        except FileNotFoundError:
            return
        for n in names:
            w_rmrf(p + "/" + n)
        try:
            os.rmdir(p)
        except FileNotFoundError:
            pass
    else:
        try:
            os.unlink(p)
        except FileNotFoundError:
            pass


def w_play(op, P, held, M):
    k = op[0]
    if k == "create" or k == "append":
        fl = os.O_WRONLY | os.O_CREAT | (
            os.O_TRUNC if k == "create" else os.O_APPEND)
        fd = os.open(P(op[1]), fl, 0o644)
        try:
            os.write(fd, op[2].encode())
        finally:
            os.close(fd)
    elif k == "mkdirp":
        w_mkdirp(P(op[1]))
    elif k == "rm":
        os.unlink(P(op[1]))
    elif k == "rmrf":
        w_rmrf(P(op[1]))
    elif k == "rename":
        os.rename(P(op[1]), P(op[2]))
    elif k == "chmod":
        os.chmod(P(op[1]), op[2])
    elif k == "touch":
        os.utime(P(op[1]))
    elif k == "symlink":
        os.symlink(op[1], P(op[2]))
    elif k == "link":
        os.link(P(op[1]), P(op[2]), follow_symlinks=False)
    elif k == "ls":
        return sorted(os.listdir(P(op[1])))
    elif k == "stat":
        return stat.filemode(os.lstat(P(op[1])).st_mode)[0]
    elif k == "trunc":
        os.truncate(P(op[1]), op[2])
    elif k == "ftrunc":
        fd = os.open(P(op[1]), os.O_WRONLY)
        try:
            os.ftruncate(fd, op[2])
        finally:
            os.close(fd)
    elif k == "setx":
        os.setxattr(P(op[1]), op[2], op[3].encode())
    elif k == "getx":
        return os.getxattr(P(op[1]), op[2]).decode("latin-1")
    elif k == "rmx":
        os.removexattr(P(op[1]), op[2])
    elif k == "listx":
        return sorted(os.listxattr(P(op[1])))
    elif k == "hold":
        # a directory descriptor held across the others' changes (this
        # thread's: a later hold of the name replaces it)
        fd = os.open(P(op[1]), os.O_RDONLY | os.O_DIRECTORY)
        if op[1] in held:
            os.close(held[op[1]])
        held[op[1]] = fd
    elif k in ("atcreate", "atls", "fchdir"):
        if op[1] not in held:
            return "NOHOLD"
        fd = held[op[1]]
        if k == "atcreate":
            f = os.open(op[2], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644,
                        dir_fd=fd)
            try:
                os.write(f, op[3].encode())
            finally:
                os.close(f)
        elif k == "atls":
            return sorted(os.listdir(fd))
        else:
            os.fchdir(fd)
    elif k == "chdir":
        os.chdir(P(op[1]))
    elif k == "cwdcreate":
        f = os.open(op[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(f, op[2].encode())
        finally:
            os.close(f)
    elif k == "cwdls":
        return sorted(os.listdir("."))
    elif k == "getcwd":
        c = os.getcwd()
        return c[len(M) + 1:] if c.startswith(M + "/") else "OUT"
    return None


def worker(M, cwd, opsfile):
    with open(opsfile) as f:
        case = json.load(f)

    def P(p):
        # relative to the cwd where the process has one inside the union
        # (and no thread moves it: chdir, fchdir)
        if cwd and not case["abs"] and (p == cwd or p.startswith(cwd + "/")):
            return p[len(cwd) + 1:] or "."
        return M + "/" + p

    with open("/proc/self/maps") as f:
        loaded = "libunion" in f.read()
    sys.stdout.write("ready %d\n" % loaded)
    sys.stdout.flush()
    ths = case["ths"]
    res = [[] for _ in ths]
    go = threading.Barrier(len(ths))

    def play(t):
        held = {}
        go.wait()
        for op in ths[t]:
            try:
                r = w_play(op, P, held, M)
                res[t].append(["ok", r])
            except OSError as ex:
                res[t].append([en(ex), None])

    sys.stdin.buffer.read(1)  # the barrier
    if len(ths) == 1:
        play(0)
    else:
        # threads of one process: libunion's per-thread caches, its
        # process-wide descriptor table and cwd record at once
        tt = [threading.Thread(target=play, args=(t,))
              for t in range(len(ths))]
        for t in tt:
            t.start()
        for t in tt:
            t.join()
    sys.stdout.write(json.dumps(res) + "\n")
    sys.stdout.flush()


def lister(M, pathsfile):
    """The final tree, and its consistency: every listed name lstat
    finds, d_type is lstat's type, no name twice; every name of the
    operations that lstat finds is listed by its directory."""
    with open(pathsfile) as f:
        paths = json.load(f)
    tree, probs, listed, ino = {}, [], {}, {}

    def walk(rel):
        d = M + ("/" + rel if rel else "")
        try:
            ents = list(os.scandir(d))
        except OSError as ex:
            probs.append("listing %s: %s" % (rel or ".", en(ex)))
            return
        names = [e.name for e in ents]
        listed[rel] = set(names)
        if len(set(names)) != len(names):
            probs.append("listing %s: a name twice: %s" % (
                rel or ".", sorted(n for n in names if names.count(n) > 1)))
        for e in sorted(ents, key=lambda e: e.name):
            p = rel + "/" + e.name if rel else e.name
            try:
                st = os.lstat(e.path)
            except OSError as ex:
                probs.append("%s listed, lstat %s" % (p, en(ex)))
                continue
            t = stat.filemode(st.st_mode)[0]
            dt = ("d" if e.is_dir(follow_symlinks=False) else
                  "l" if e.is_symlink() else
                  "-" if e.is_file(follow_symlinks=False) else "?")
            if dt != "?" and dt != t:
                probs.append("%s: d_type %s, lstat %s" % (p, dt, t))
            info = {"t": t}
            if t == "-" and st.st_size <= 65536:
                try:
                    with open(e.path, "rb") as f:
                        info["c"] = f.read().decode("latin-1")
                except OSError as ex:
                    info["c"] = "?" + en(ex)
            if t == "-" and p in XFILES:
                # the user.* xattrs of the files the operations set
                try:
                    info["x"] = {n: os.getxattr(e.path, n).decode("latin-1")
                                 for n in os.listxattr(e.path)
                                 if n.startswith("user.")}
                except OSError as ex:
                    info["x"] = "?" + en(ex)
                ino[p] = [st.st_dev, st.st_ino]
            elif t == "l":
                info["l"] = os.readlink(e.path)
            tree[p] = info
            if t == "d":
                walk(p)

    walk("")
    for p in paths:
        try:
            os.lstat(M + "/" + p)
        except OSError:
            continue
        parent, name = os.path.split(p)
        if parent in listed and name not in listed[parent]:
            probs.append("%s: lstat finds it, its directory does not list it"
                         % p)
    sys.stdout.write(json.dumps({"tree": tree, "probs": probs, "ino": ino})
                     + "\n")


# ----------------------------------------------------------------------
# The generator

def gen_case(seed):
    sys.path.insert(0, os.path.join(TOP, "tests", "difftest"))
    import difftest as dt
    rng = random.Random("race-%d" % seed)
    spec = dt.gen_layers(rng, "absent", plain=True, extra=False)
    un = spec.unions[0]
    lo_top, lo_bot = un.lowers[0], un.lowers[-1]

    def add(L, path, kind, **kw):
        e = {"path": path, "kind": kind, "mtime": dt.rand_time(rng),
             "uid": 0, "gid": 0}
        if kind == "d":
            e.update(mode=0o755, xattrs={}, opaque=False)
        else:
            e.update(mode=0o644, size=kw.get("size", 7),
                     label="%s:%s" % (L, path), xattrs={})
        spec.entries[L].append(e)

    # Lower-only directories, some in two lowers (merged), deep ones.
    for L in (lo_bot,):
        add(L, "src", "d")
        for i in range(1, 4):
            add(L, "src/u%d" % i, "f")
        add(L, "src/d", "d")
        add(L, "src/d/u4", "f")
        add(L, "src/d/e", "d")
        add(L, "v", "d")
        add(L, "v/x", "f")
        add(L, "v/w", "d")
        add(L, "v/w/y", "f")
    if rng.random() < 0.5 and lo_top != lo_bot:
        add(lo_top, "src", "d")
        add(lo_top, "src/d", "d")
        add(lo_top, "src/d/u5", "f")
    for L in set(rng.choice(un.lowers) for _ in range(2)):
        add(L, "lib", "d")
        add(L, "lib/g", "d")
        add(L, "lib/g/h", "d")
        add(L, "lib/g/u%d" % (6 + un.lowers.index(L)), "f")
    L = rng.choice(un.lowers)
    add(L, "obj", "d")
    add(L, "obj/o", "d")
    # lower files under the operations' names: their copy-ups race
    # (two appends at once must both land)
    for p in ("src/d/e/x", "obj/o/k", "lib/g/y", "obj/z"):
        par = os.path.dirname(p)
        L = next(lo for lo in un.lowers if any(
            e["path"] == par and e["kind"] == "d"
            for e in spec.entries[lo]))
        add(L, p, "f", size=rng.choice([0, 5, 5000]))

    nproc = rng.randint(2, 8)
    nops = rng.randint(15, 40)
    dirs_stable = STABLE
    dirs_vol = VOLATILE + [t for t in TOPN if rng.random() < 0.3]
    alldirs = dirs_stable + dirs_vol
    # The shared schedule: op j of every process goes to the same
    # directory most of the time, so that they meet there at once.
    sched = [rng.choice(dirs_stable + dirs_stable + dirs_vol)
             for _ in range(nops)]
    sched[:4] = rng.sample(dirs_stable, 4)
    procs = []
    for i in range(nproc):
        cwd = rng.choice(CWDS) if rng.random() < 0.6 else None
        ops = []
        for j in range(nops):
            D = sched[j] if rng.random() < 0.7 else rng.choice(alldirs)
            f = D + "/" + rng.choice(FILES)
            tag = "<p%do%02d>" % (i, j)
            if j < 4 and rng.random() < 0.8:
                # at the start, all at once: the copy-ups of the
                # schedule's lower-only directories
                D = sched[j]
                f = D + "/" + rng.choice(FILES)
                k = rng.choice(["create", "append", "touch", "mkdirp"])
            else:
                k = rng.choices(
                    ["create", "append", "mkdirp", "rm", "rmrf", "rename",
                     "chmod", "touch", "symlink", "link", "ls", "stat"],
                    weights=[4, 5, 2, 2, 1, 3, 1, 3, 1, 1, 3, 1])[0]
            if k in ("create", "append"):
                ops.append([k, f, tag])
            elif k == "mkdirp":
                ops.append([k, D + "/" + rng.choice(["q", "q/r", "x"])])
            elif k == "rm":
                ops.append([k, f])
            elif k == "rmrf":
                ops.append([k, rng.choice(dirs_vol + [f])])
            elif k == "rename":
                if rng.random() < 0.7:
                    # a file, within or across directories
                    E = D if rng.random() < 0.5 else rng.choice(alldirs)
                    ops.append([k, f, E + "/" + rng.choice(FILES)])
                else:
                    # a volatile directory, to a new name or another
                    s = rng.choice(dirs_vol)
                    t = rng.choice(["n", "v", "n/m", "v/t", "t"] +
                                   [x for x in dirs_vol if x != s])
                    ops.append([k, s, t])
            elif k == "chmod":
                if rng.random() < 0.5:
                    ops.append([k, D, rng.choice(DIR_MODES)])
                else:
                    ops.append([k, f, rng.choice(FILE_MODES)])
            elif k == "touch":
                ops.append([k, D])
            elif k == "symlink":
                ops.append([k, rng.choice(FILES), f])
            elif k == "link":
                E = D if rng.random() < 0.5 else rng.choice(alldirs)
                ops.append([k, f, E + "/" + rng.choice(FILES)])
            elif k == "ls":
                ops.append([k, D])
            else:
                ops.append([k, f])
        procs.append({"cwd": cwd, "ops": ops})
    extras(spec, un, procs, add, seed)
    return spec, procs


def extras(spec, un, procs, add, seed):
    """Session 15's layers and operations, from a generator of their own
    (a seed's older operations are as they were): threads, held
    descriptors and cwds, truncations, xattrs and links of lower files."""
    rng = random.Random("race15-%d" % seed)
    src = next(lo for lo in un.lowers if any(
        e["path"] == "src" and e["kind"] == "d" for e in spec.entries[lo]))
    for p in TFILES[:4]:
        par = os.path.dirname(p)
        L = next(lo for lo in un.lowers if any(
            e["path"] == par and e["kind"] == "d"
            for e in spec.entries[lo]))
        add(L, p, "f", size=rng.choice([0, 5, 3000]))
        if p == "src/t1":
            # an xattr of the lower's that every copy-up must keep
            spec.entries[L][-1]["xattrs"] = {"user.lo": "low"}
    spec.entries[src].append({"path": "src/t5", "kind": "h",
                              "target": "src/t4"})
    spec.entries[un.upper].append(
        {"path": "m1", "kind": "d", "mtime": 0, "uid": 0, "gid": 0,
         "mode": 0o755, "xattrs": {}, "opaque": False})
    spec.entries[un.upper].append(
        {"path": "m1/keep", "kind": "f", "mtime": 0, "uid": 0, "gid": 0,
         "mode": 0o644, "size": 5, "label": "keep", "xattrs": {}})
    # per file: truncations that may cut it (to 0) or only grow it
    cuts = {t: rng.random() < 0.4 for t in TFILES}
    # One process moves the moving directory and holds it, in its first
    # thread (the generator as it was when another process's rename, or
    # another thread's that met the open, lost the descriptor: race.py
    # seed 384, integration/held-dir-renamed-by-other, fixed since)
    mover = rng.randrange(len(procs))
    grown = set()
    for i, pr in enumerate(procs):
        ops = pr.pop("ops")
        nth = rng.choice([1, 1, 2, 3, 4])
        # a process that moves its cwd (chdir, fchdir) plays by whole
        # paths, but for its cwd* operations
        pr["abs"] = moves = rng.random() < 0.4
        ths = [ops[t::nth] for t in range(nth)]
        for t, tops in enumerate(ths):
            for j in range(rng.randint(3, 10)):
                tag = "<p%dt%dx%02d>" % (i, t, j)
                T = rng.choice(TFILES)
                own = i == mover and t == 0
                D = rng.choice(HOLDS if own else HOLDS[:-2])
                m = rng.choice(MDIRS)
                ks = ["append", "trunc", "setx", "getx", "rmx", "listx",
                      "link", "hold", "atcreate", "atls", "mv", "mfile"]
                w = [5, 2, 3, 2, 1, 1, 1, 3, 3, 1, 2, 2]
                if moves:
                    ks += ["fchdir", "chdir", "cwdcreate", "cwdls", "getcwd"]
                    w += [2, 1, 3, 1, 1]
                k = rng.choices(ks, weights=w)[0]
                if k == "mv" and not own:
                    k = "mfile"
                if k == "append":
                    if T in LINKS and rng.random() < 0.4:
                        T = LINKS[T]
                    op = [k, T, tag]
                elif k == "trunc" and (cuts[T] or T not in grown):
                    # (one truncation that grows a file cuts nothing;
                    # two may: the second cuts what was appended after
                    # the first)
                    op = [rng.choice(["trunc", "ftrunc"]), T,
                          rng.choice([0, 20000]) if cuts[T] else 20000]
                    grown.add(T)
                elif k == "trunc":
                    op = ["append", T, tag]
                elif k == "setx":
                    op = [k, T, rng.choice(XATTRS), "v" + tag]
                elif k in ("getx", "rmx"):
                    op = [k, T, rng.choice(XATTRS)]
                elif k == "listx":
                    op = [k, T]
                elif k == "link":
                    s = rng.choice(sorted(LINKS))
                    op = [k, s, LINKS[s]]
                elif k in ("hold", "atls", "fchdir", "chdir"):
                    op = [k, D]
                elif k == "atcreate":
                    op = [k, D, "h%d%d%02d" % (i, t, j), tag]
                elif k == "mv":
                    op = ["rename", m, "m2" if m == "m1" else "m1"]
                elif k == "mfile":
                    op = [rng.choice(["create", "append", "ls"]),
                          m + "/" + rng.choice(FILES), tag]
                    if op[0] == "ls":
                        op = op[:1] + [m]
                elif k == "cwdcreate":
                    op = [k, "c%d%d%02d" % (i, t, j), tag]
                else:
                    op = [k]
                # the copy-ups race most at the start
                at = rng.randint(0, 3) if rng.random() < 0.4 else \
                    rng.randint(0, len(tops))
                tops.insert(min(at, len(tops)), op)
            # a held descriptor's name is held before it is used
            if i == mover and t == 0:
                # a held descriptor across its own process's rename, at
                # once (the rename may meet another thread's)
                at = rng.randint(0, len(tops))
                tops[at:at] = [["hold", "m1"], ["rename", "m1", "m2"],
                               ["atcreate", "m1", "h%d%d99" % (i, t),
                                "<p%dt%dx99>" % (i, t)], ["atls", "m1"]]
            out, seen = [], set()
            for op in tops:
                if op[0] in ("atcreate", "atls", "fchdir") and \
                        op[1] not in seen:
                    out.append(["hold", op[1]])
                if op[0] == "hold":
                    seen.add(op[1])
                out.append(op)
            tops[:] = out
        pr["ths"] = ths


# ----------------------------------------------------------------------
# The judge

def prefixes(p):
    parts = p.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


class Judge:
    def __init__(self, procs, init, kernel=False, layer_names=()):
        self.kernel = kernel
        self.init = init  # path -> {"t": ...} of the tree before
        self.vanish = set()   # removed, renamed away or replaced
        self.nondir = set()   # made a non-directory by some operation
        self.trunc = set()
        self.names = set(os.path.basename(p) for p in init)
        self.names.update(layer_names)  # (hidden ones may show)
        for pr in procs:
            if pr["cwd"]:
                self.names.update(pr["cwd"].split("/"))
            for op in pr["ops"]:
                k = op[0]
                for a in op[1:]:
                    if isinstance(a, str) and not a.startswith("<"):
                        self.names.update(a.split("/"))
                if k in ("rm", "rmrf"):
                    self.vanish.add(op[1])
                elif k == "rename":
                    self.vanish.update((op[1], op[2]))
                    self.nondir.add(op[2])
                elif k in ("create", "append"):
                    self.nondir.add(op[1])
                    if k == "create":
                        self.trunc.add(op[1])
                elif k == "symlink":
                    self.nondir.add(op[2])
                elif k == "link":
                    self.nondir.add(op[2])
                elif k == "mkdirp":
                    # (mkdir -p makes each prefix: nothing non-directory)
                    pass
        # Session 15's names: judged by final_extra, not by the append
        # rule of final
        self.trunc |= XFILES
        # the directories each process's cwd may be in (its threads
        # move it): OUT, outside the union; the moving one by both names
        self.cwds = {}
        for u in procs:
            c = self.cwds.setdefault(u["p"], {u["cwd"] or "OUT"})
            c.update(op[1] for op in u["ops"] if op[0] in ("chdir", "fchdir"))
            if c & set(MDIRS):
                c.update(MDIRS)
        self.xvals = {}  # (file, xattr) -> the values it may hold
        for u in procs:
            for op in u["ops"]:
                if op[0] == "setx":
                    self.xvals.setdefault((op[1], op[2]), set()).add(op[3])
        for e in init.get("src/t1", {}).get("x", {}).items():
            self.xvals.setdefault(("src/t1", e[0]), set()).add(e[1])
        # A create or append through a symlink makes its target, a name
        # of the directory the link is in (wherever renamed to).
        targets = {op[1] for pr in procs for op in pr["ops"]
                   if op[0] == "symlink"}
        for pr in procs:
            for op in pr["ops"]:
                for a in op[1:]:
                    if isinstance(a, str) and \
                            os.path.basename(a) in targets:
                        self.nondir.add(a)

    def lives(self, D):
        """The directory at D from the start to the end, or the moving
        one (a held descriptor of it works throughout)."""
        return self.stable_dir(D) or D in MDIRS

    def op15(self, op, r, p):
        """Session 15's operations (p the process): why r cannot be."""
        k, e = op[0], r[0]
        cw = self.cwds.get(p, set())
        if e == "ok":
            v = r[1]
            if k == "getx" and v not in self.xvals.get((op[1], op[2]), ()):
                return "a value no operation set"
            if k == "listx":
                bad = [n for n in v if n.startswith("trusted.") or (
                    n.startswith("user.") and n not in XATTRS)]
                return bad and "private or unknown xattrs listed: %s" % bad
            if k == "getcwd" and all(self.lives(c) for c in cw) and \
                    v not in cw:
                return "a cwd no chdir gave (%s)" % sorted(cw)
            if k in ("atls", "cwdls") and v != "NOHOLD":
                ds = [op[1]] if k == "atls" else sorted(cw)
                if not all(self.lives(d) for d in ds):
                    return None
                miss = []
                for d in ds:
                    want = {"keep"} if d in MDIRS else {
                        os.path.basename(q) for q in self.init
                        if os.path.dirname(q) == d and self.stable_name(q)}
                    miss.append(sorted(want - set(v)))
                    if not miss[-1]:
                        return None
                return "%s not listed" % miss
            return None
        if e in ("ENOTSUP", "EOPNOTSUPP") and k in ("setx", "getx", "rmx",
                                                    "listx"):
            return None
        if e == "ENODATA" and k in ("getx", "rmx"):
            return None
        if k in ("trunc", "ftrunc", "setx", "getx", "rmx", "listx"):
            if self.stable_name(op[1]):
                return "of a lower file that exists throughout"
        elif k in ("hold", "chdir"):
            if self.stable_dir(op[1]) or (op[1] in MDIRS and e != "ENOENT"):
                return "of a directory that exists throughout"
        elif k in ("atcreate", "atls"):
            if self.lives(op[1]):
                return "through a descriptor of a directory that lives on"
        elif k == "fchdir":
            return "fchdir to a held descriptor fails (the kernel's never)"
        elif k in ("cwdcreate", "cwdls", "getcwd"):
            if all(self.lives(c) for c in cw):
                return "in a cwd that lives on (%s)" % sorted(cw)
        return None

    def itype(self, p):
        return self.init.get(p, {}).get("t")

    def may_vanish(self, p):
        return any(q in self.vanish for q in prefixes(p))

    def stable_dir(self, p):
        """p is a directory from the start to the end, whatever the
        interleaving: every prefix a directory (no symlink) from the
        start, none removed, renamed or replaced."""
        if p == "":
            return True
        return all(self.itype(q) == "d" for q in prefixes(p)) and \
            not self.may_vanish(p)

    def stable_name(self, p):
        return self.itype(p) is not None and \
            self.stable_dir(os.path.dirname(p)) and not self.may_vanish(p)

    def clean_prefixes(self, p):
        """No prefix can vanish or be a non-directory (mkdir -p)."""
        for q in prefixes(p):
            if q in self.vanish or q in self.nondir:
                return False
            t = self.itype(q)
            if t is not None and t != "d":
                return False
        return True

    def op(self, op, r, p=None):
        """Why result r of op cannot happen, or None."""
        k, e = op[0], r[0]
        if k in OPS15:
            if e != "ok" and self.kernel and e == "ESTALE" and any(
                    self.may_vanish(a) for a in op[1:2]):
                return None
            if e in ALWAYS_BAD or e == "EINVAL":
                return "an errno no interleaving gives"
            return self.op15(op, r, p)
        if e == "ok":
            return None
        if e == "ESTALE" and self.kernel and any(
                self.may_vanish(a) for a in op[1:] if isinstance(a, str)):
            # overlayfs answers ESTALE where a directory of the path is
            # removed or replaced during the call (seen: mkdir -p e/q/r
            # while another process ran rm -rf e, then mv v e)
            return None
        if e in ALWAYS_BAD or (e == "EINVAL" and k != "rename"):
            return "an errno no interleaving gives"
        if e == "ENOENT":
            if k in ("create", "append", "mkdirp", "symlink") or \
                    (k == "link" and self.stable_name(op[1])):
                path = op[2] if k in ("symlink", "link") else op[1]
                if k == "mkdirp":
                    if self.clean_prefixes(path):
                        return "ENOENT from mkdir -p: no prefix can vanish"
                elif self.stable_dir(os.path.dirname(path)):
                    return ("ENOENT in a directory that exists throughout")
            elif k in ("ls", "touch", "chmod", "stat"):
                # (all but lstat follow a symlink: maybe dangling)
                if self.stable_name(op[1]) and \
                        (k == "stat" or self.itype(op[1]) != "l"):
                    return "ENOENT of a name that exists throughout"
        if e in ("EEXIST", "ENOTDIR") and k == "mkdirp" and \
                self.clean_prefixes(op[1]):
            return e + " from mkdir -p: no prefix can be a non-directory"
        if e == "ENOTDIR" and k in ("ls", "touch") and \
                self.stable_dir(op[1]):
            return "ENOTDIR of a directory that exists throughout"
        return None

    def ls(self, op, names, proc_done):
        """A listing of a directory that exists throughout must hold its
        names that exist throughout, and those this process made and
        nobody can remove; no name twice; no name from nowhere."""
        D = op[1]
        out = []
        if len(set(names)) != len(names):
            out.append("a name listed twice")
        ghosts = [n for n in names if n not in self.names]
        if ghosts:
            out.append("names no layer or operation made: %s" % ghosts)
        if self.stable_dir(D):
            want = [p for p in self.init if os.path.dirname(p) == D and
                    self.stable_name(p)]
            want += [p for p in proc_done if os.path.dirname(p) == D and
                     not self.may_vanish(p) and p not in self.vanish]
            miss = sorted(set(os.path.basename(p) for p in want) -
                          set(names))
            if miss:
                out.append("%s not listed" % miss)
        return "; ".join(out) or None

    def final(self, procs, results, tree):
        """What the end must hold."""
        out = []
        appended = {}
        ops = [op for pr in procs for op in pr["ops"]]
        # what else may end at a name: a symlink, a renamed or linked
        # object, a directory of mkdir -p
        other = {"-": set(), "d": set()}
        for op in ops:
            if op[0] in ("symlink", "rename", "link"):
                other["-"].add(op[2])
                other["d"].add(op[2])
            elif op[0] == "mkdirp":
                other["-"].update(prefixes(op[1]))
            elif op[0] in ("create", "append"):
                other["d"].add(op[1])
        # a symlink's relative target (wherever it is renamed to) is a
        # way to write to that name
        via = {op[1] for op in ops if op[0] == "symlink"}
        # a name linked is one inode with another name, written through it
        linked = {a for op in ops if op[0] == "link" for a in op[1:]}
        for pr, res in zip(procs, results):
            for op, r in zip(pr["ops"], res):
                if r[0] != "ok":
                    continue
                k = op[0]
                if k not in ("create", "append", "mkdirp") or \
                        self.may_vanish(op[1]) or \
                        any(self.itype(q) not in ("d", None)
                            for q in prefixes(op[1])[:-1]):
                    continue
                t = tree.get(op[1], {}).get("t")
                want = "d" if k == "mkdirp" else "-"
                if t is None:
                    out.append("%s (%s by a process, never removed) "
                               "is missing at the end" % (op[1], k))
                elif t != want and op[1] not in other[want]:
                    out.append("%s is %s at the end, made %s" %
                               (op[1], t, want))
                if k == "append":
                    appended.setdefault(op[1], []).append(op[2])
        for p, tags in sorted(appended.items()):
            if p in self.trunc or self.itype(p) not in (None, "-") or \
                    p in other["-"] or os.path.basename(p) in via or \
                    p in linked:
                continue
            c = tree.get(p, {}).get("c", "")
            lost = [t for t in tags if t not in c]
            if lost:
                out.append("%s: appended records lost: %s" % (p, lost))
        ghosts = sorted(p for p in tree
                        if os.path.basename(p) not in self.names)
        if ghosts:
            out.append("names no layer or operation made: %s" % ghosts[:5])
        return out


def final15(self, procs, results, tree, ino):
    """What the end must hold of session 15's operations."""
    out = []
    oks = [(u, op, r) for u, res in zip(procs, results)
           for op, r in zip(u["ops"], res)]
    ok = [(u, op) for u, op, r in oks if r[0] == "ok" and r[1] != "NOHOLD"]
    # a file made through a held descriptor, or in a cwd, that lives on
    for u, op in ok:
        if op[0] == "atcreate":
            ds = [op[1]]
        elif op[0] == "cwdcreate":
            ds = sorted(self.cwds[u["p"]])
        else:
            continue
        if not all(self.lives(d) for d in ds):
            continue
        n = op[2] if op[0] == "atcreate" else op[1]
        tag = op[3] if op[0] == "atcreate" else op[2]
        if set(ds) & set(MDIRS):
            ds = sorted(set(ds) | set(MDIRS))
        if not any(tag in tree.get(d + "/" + n, {}).get("c", "")
                   for d in ds):
            out.append("%s (%s) missing at the end in %s" % (
                n, " ".join(map(str, op)), ds))
    # the moving directory: at one of its names, once
    ms = [m for m in MDIRS if tree.get(m, {}).get("t") == "d" and
          "%s/keep" % m in tree]
    if len(ms) != 1:
        out.append("the moving directory is at %s" % (ms or "no name"))
    # lower files appended to, truncated, linked at once: each record
    # once, none lost unless a truncation could cut it, the rest the
    # lower's content (and the zeros of a truncation that grew it)
    linked = {op[1] for u, op in ok if op[0] == "link" and op[1] in LINKS}
    for t in TFILES + sorted(LINKS.values()):
        if t in LINKS.values() and any(LINKS[s] == t for s in linked):
            continue  # judged with its source
        names = [t] + ([LINKS[t]] if t in linked else [])
        info = [tree.get(n) for n in names]
        if any(i is None or i.get("t") != "-" for i in info):
            if t in TFILES or any(op[0] == "append" and op[1] == t
                                  for u, op in ok):
                out.append("%s is %s at the end" % (
                    "/".join(names), [i and i.get("t") for i in info]))
            continue
        if len(names) == 2 and (info[0] != info[1] or
                                ino.get(names[0]) != ino.get(names[1])):
            out.append("%s and %s, linked, are two files at the end" %
                       tuple(names))
        c = info[0].get("c", "")
        init = self.init.get(t, {}).get("c", "")
        tags = [op[2] for u, op, r in oks
                if op[0] == "append" and op[1] in names]
        okt = [op[2] for u, op in ok if op[0] == "append" and op[1] in names]
        tr = [op[2] for u, op in ok if op[0] in ("trunc", "ftrunc") and
              op[1] in names]
        cut = len(tr) > 1 or any(n < len(init) + sum(map(len, tags))
                                 for n in tr)
        twice = [g for g in tags if c.count(g) > 1]
        if twice:
            out.append("%s: records twice: %s" % (t, twice))
        rest = c
        for g in tags:
            rest = rest.replace(g, "")
        if not cut:
            lost = [g for g in okt if g not in c]
            if lost:
                out.append("%s: appended records lost: %s" % (t, lost))
            if rest.replace("\0", "") != init:
                out.append("%s: not the lower's content with the records: "
                           "%r" % (t, c[:200]))
        # xattrs: a value some operation set (or the lower's), kept
        # unless removed
        x = info[0].get("x", {})
        if not isinstance(x, dict):
            out.append("%s: xattrs: %s" % (t, x))
            continue
        if any(r[0] in ("ENOTSUP", "EOPNOTSUPP") for u, op, r in oks
               if op[0] == "setx"):
            continue
        for n in XATTRS:
            vals = self.xvals.get((t, n), set())
            sets = {op[3] for u, op in ok if op[0] == "setx" and
                    op[1] == t and op[2] == n}
            rms = any(op[0] == "rmx" and op[1] == t and op[2] == n
                      for u, op, r in oks)
            v = x.get(n)
            if v is not None and v not in vals:
                out.append("%s: xattr %s=%r no operation set" % (t, n, v))
            elif not rms and (sets or vals) and v not in (sets or vals):
                out.append("%s: xattr %s is %r at the end, set %s" % (
                    t, n, v, sorted(sets or vals)))
        extra = sorted(set(x) - set(XATTRS))
        if extra:
            out.append("%s: xattrs no operation set: %s" % (t, extra))
    return out


Judge.final15 = final15


def units(procs, results=None):
    """The threads of every process, each with its operations (and its
    results), as the judge sees them."""
    us = [{"cwd": pr["cwd"], "ops": ops, "p": i, "t": t}
          for i, pr in enumerate(procs) for t, ops in enumerate(pr["ths"])]
    if results is None:
        return us
    return us, [r for res in results for r in res]


def judge(procs, init, results, final, kernel=False, layer_names=()):
    procs, results = units(procs, results)
    J = Judge(procs, init, kernel, layer_names)
    probs = []
    for u, res in zip(procs, results):
        done = []
        for j, (op, r) in enumerate(zip(u["ops"], res)):
            why = J.op(op, r, u["p"])
            if why is None and op[0] == "ls" and r[0] == "ok":
                why = J.ls(op, r[1], done)
            if why:
                probs.append("p%dt%d op%d %s => %s: %s" % (
                    u["p"], u["t"], j, " ".join(map(str, op)), r[0], why))
            if r[0] == "ok" and op[0] in ("create", "append", "mkdirp",
                                          "symlink", "link"):
                done.append(op[2] if op[0] in ("symlink", "link") else op[1])
    probs += J.final(procs, results, final["tree"])
    probs += J.final15(procs, results, final["tree"], final.get("ino", {}))
    probs += ["final tree: " + p for p in final["probs"]]
    return probs


# ----------------------------------------------------------------------
# Running one side

class Side:
    def __init__(self, args, dt, tmp):
        self.args, self.dt, self.tmp = args, dt, tmp
        # a sanitizer build: its runtime first (as difftest.py)
        first = os.environ.get("UN_PRELOAD_FIRST", "")
        self.preload = (first + " " + args.lib) if first else args.lib

    def env_cmd(self, kernel, spec, R):
        """The prefix that runs a command on this side."""
        pre = self.dt.SETPRIV if self.args.as_user else []
        e = ["env", "-u", "LD_PRELOAD", "-u", "UNION_LAYERS", "LC_ALL=C"]
        if not kernel:
            e += ["UNION_LAYERS=" + self.dt.union_layers(spec, R),
                  "LD_PRELOAD=" + self.preload]
        return pre + e

    def run_procs(self, kernel, spec, R, procs, M):
        """All workers at once; their results (or the crash, the hang)."""
        pre = self.env_cmd(kernel, spec, R)
        ps = []
        for i, pr in enumerate(procs):
            of = os.path.join(self.tmp, "ops%d.json" % i)
            with open(of, "w") as f:
                json.dump({"abs": pr["abs"], "ths": pr["ths"]}, f)
            os.chmod(of, 0o644)
            cmd = pre + ["sh", "-c", 'cd "$1" && exec "$2" -B "$3" --worker '
                         '"$4" "$5" "$6"', "sh",
                         (M + "/" + pr["cwd"]) if pr["cwd"] else self.tmp,
                         PYTHON, self.args.script, M,
                         pr["cwd"] or "", of]
            ps.append(subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE,
                                       cwd=self.tmp))
        for i, p in enumerate(ps):
            # "ready 1" (libunion mapped) or "ready 0" (or EOF: it died)
            r = p.stdout.readline().split()
            if r and r[-1] != (b"0" if kernel else b"1"):
                raise RuntimeError("p%d: libunion %s" % (
                    i, "loaded on the kernel's side" if kernel else
                    "not loaded"))
        for p in ps:
            try:
                p.stdin.write(b"g")
                p.stdin.close()
            except OSError:
                pass
            p.stdin = None
        results, probs = [], []
        end = time.monotonic() + self.args.timeout
        for i, (p, pr) in enumerate(zip(ps, procs)):
            try:
                out, err = p.communicate(
                    timeout=max(1, end - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                out, err = p.communicate()
                probs.append("p%d hangs (killed after %d s)" % (
                    i, self.args.timeout))
            res = None
            try:
                res = json.loads(out.decode().splitlines()[-1])
            except (ValueError, IndexError):
                pass
            if p.returncode != 0 or res is None:
                probs.append("p%d (cwd %s) crashed: status %s: %s" % (
                    i, pr["cwd"], p.returncode,
                    err.decode("utf-8", "replace").strip()[-400:]))
            if self.dt.PRELOAD_FAILED in err.decode("utf-8", "replace"):
                raise RuntimeError("libunion was not loaded")
            if res is None or len(res) != len(pr["ths"]):
                res = [[["?", None]] * len(ops) for ops in pr["ths"]]
            results.append(res)
        return results, probs

    def list_tree(self, kernel, spec, R, M, paths):
        pf = os.path.join(self.tmp, "paths.json")
        with open(pf, "w") as f:
            json.dump(paths, f)
        os.chmod(pf, 0o644)
        r = subprocess.run(self.env_cmd(kernel, spec, R) + [
            PYTHON, "-B", self.args.script, "--list", M, pf],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=self.tmp,
            timeout=self.args.timeout)
        if r.returncode != 0:
            return {"tree": {}, "probs": ["the listing failed: %s" %
                                          r.stderr.decode()[-400:]]}
        return json.loads(r.stdout.decode())

    def play(self, kernel, spec, procs, R, paths, init=None):
        """Build the layers, play, list, check the lowers (and, under
        libunion, the work directory and the table).  Returns the
        problems and the initial tree (from the kernel side)."""
        dt = self.dt
        un = spec.unions[0]
        dt.rmtree(R)
        dt.build(spec, R, kernel, self.args.as_user)
        if self.args.as_user:
            dt.give_to_user(spec, R)
        M = R + "/" + un.merged
        before = {lo: dt.tree_state(R + "/" + lo) for lo in un.lowers}
        mounted = False
        probs = []
        try:
            if kernel:
                r = subprocess.run(["mount", "-t", "overlay", "overlay",
                                    "-o", dt.kernel_opts(un, R,
                                                         self.args.as_user),
                                    M], stderr=subprocess.PIPE)
                if r.returncode:
                    raise RuntimeError("mount: " + r.stderr.decode())
                mounted = True
                if init is None:
                    init = self.list_tree(True, spec, R, M, [])["tree"]
            results, probs = self.run_procs(kernel, spec, R, procs, M)
            final = self.list_tree(kernel, spec, R, M, paths)
        finally:
            if mounted:
                dt.umount(M)
        if kernel:
            # readdir of a directory that one layer holds lists the
            # whiteouts of a lower that was an overlay upper (difftest's
            # kernel_fix): names that lstat does not find
            final["probs"] = [p for p in final["probs"]
                              if not p.endswith("listed, lstat ENOENT")]
        names = {n for es in spec.entries.values() for e in es
                 for n in e["path"].split("/")}
        probs += judge(procs, init, results, final, kernel, names)
        for lo in un.lowers:
            now = dt.tree_state(R + "/" + lo)
            if now != before[lo]:
                a, b = set(before[lo]), set(now)
                probs.append("the lower %s changed: %s" % (
                    lo, ["-" + x for x in sorted(a - b)][:3] +
                    ["+" + x for x in sorted(b - a)][:3]))
        if not kernel:
            w = R + "/" + un.upper + "/.union/work"
            if os.path.isdir(w) and os.listdir(w):
                probs.append("leftovers in UPPER/.union/work: %s" %
                             sorted(os.listdir(w))[:5])
            tool = os.path.join(TOP, "tools", "union")
            if os.access(tool, os.X_OK):
                r = subprocess.run(
                    [tool, "diff", "-m", M] +
                    sum([["-l", R + "/" + lo] for lo in un.lowers], []) +
                    [R + "/" + un.upper], stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE)
                if r.returncode:
                    probs.append("union diff refuses the upper: %s" %
                                 r.stderr.decode().strip()[-300:])
        if self.args.keep:
            k = "%s.%s" % (R, "kernel" if kernel else "union")
            dt.rmtree(k)
            # (cp -a: copytree opens the layers' fifos and devices)
            subprocess.run(["cp", "-a", R, k])
        if not kernel:
            probs += self.kernel_view(spec, R, M, paths, final["tree"])
        return probs, init

    def kernel_view(self, spec, R, M, paths, tree):
        """The upper libunion left, converted to overlayfs's whiteouts
        (`union convert --to-overlay`) and mounted: the kernel must see
        the tree libunion listed (a table that lost or kept a record, a
        staged copy left at a name, show here)."""
        dt, un = self.dt, spec.unions[0]
        tool = os.path.join(TOP, "tools", "union")
        if not os.access(tool, os.X_OK) or \
                not os.path.isdir(R + "/" + un.upper + "/.union"):
            return []
        r = subprocess.run(
            [tool, "convert", "--to-overlay"] +
            (["--userxattr"] if self.args.as_user else []) +
            sum([["-l", R + "/" + lo] for lo in un.lowers], []) +
            [R + "/" + un.upper], stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE)
        if r.returncode:
            return ["union convert --to-overlay fails: %s" %
                    r.stderr.decode().strip()[-300:]]
        os.makedirs(R + "/" + un.work, exist_ok=True)
        os.makedirs(M, exist_ok=True)
        r = subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                            dt.kernel_opts(un, R, self.args.as_user), M],
                           stderr=subprocess.PIPE)
        if r.returncode:
            return ["the converted upper does not mount: %s" %
                    r.stderr.decode().strip()]
        try:
            kt = self.list_tree(True, spec, R, M, paths)["tree"]
        finally:
            dt.umount(M)
        out = []
        for p in sorted(set(tree) | set(kt)):
            a, b = tree.get(p), kt.get(p)
            if a != b:
                out.append("%s: libunion lists %s, the kernel over the "
                           "same layers %s" % (p, a, b))
        return out[:8]


PATH_ARGS = {"rename": (1, 2), "link": (1, 2), "symlink": (2,),
             "cwdcreate": (), "cwdls": (), "getcwd": ()}


def op_paths(procs):
    ps = set()
    for u in units(procs):
        for op in u["ops"]:
            if op[0] == "atcreate":
                ps.update(prefixes(op[1] + "/" + op[2]))
                continue
            for i in PATH_ARGS.get(op[0], (1,)):
                ps.update(prefixes(op[i]))
    return sorted(ps)


def show_case(spec, procs):
    for u in units(procs):
        print("  p%dt%d cwd=%s%s: %s" % (
            u["p"], u["t"], u["cwd"] or "-",
            " (whole paths)" if procs[u["p"]]["abs"] else "",
            "; ".join(" ".join(map(str, op)) for op in u["ops"])))


def run_seed(args, dt, seed):
    spec, procs = gen_case(seed)
    tmp = tempfile.mkdtemp(prefix="race.", dir=args.tmpdir)
    os.chmod(tmp, 0o755)
    R = os.path.join(tmp, "R")
    side = Side(args, dt, tmp)
    paths = op_paths(procs)
    found = []
    try:
        kprobs, init = side.play(True, spec, procs, R, paths)
        if args.side in ("both", "kernel"):
            for p in kprobs:
                found.append(("JUDGE", "kernel", p))
        if args.side in ("both", "union"):
            for rd in range(args.rounds):
                for p in side.play(False, spec, procs, R, paths, init)[0]:
                    found.append(("BUG", "libunion round %d" % rd, p))
                if found and not args.all_rounds:
                    break
    finally:
        if not args.keep:
            dt.rmtree(tmp)
        else:
            print("kept %s" % tmp)
    return spec, procs, found


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        return worker(*sys.argv[2:5])
    if len(sys.argv) > 1 and sys.argv[1] == "--list":
        return lister(*sys.argv[2:4])
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--seed", type=int, action="append")
    ap.add_argument("--rounds", type=int, default=3,
                    help="libunion runs of each seed (fresh layers each)")
    ap.add_argument("--all-rounds", action="store_true",
                    help="go on with the rounds after a finding")
    ap.add_argument("--side", choices=("both", "kernel", "union"),
                    default="both")
    ap.add_argument("--as-user", action="store_true",
                    help="the layers are uid 65534's, who plays")
    ap.add_argument("--lib", default=os.environ.get(
        "LIBUNION", os.path.join(TOP, "preload", ".libs", "libunion.so")))
    ap.add_argument("--timeout", type=int, default=60)
    ap.add_argument("--time-budget", type=float, default=0,
                    help="start no seed after SECONDS")
    ap.add_argument("--tmpdir", default=os.environ.get("TMPDIR", "/tmp"))
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--print-ops", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    seeds = args.seed or list(range(args.first_seed,
                                    args.first_seed + args.seeds))
    if args.print_ops:
        for s in seeds:
            spec, procs = gen_case(s)
            print("seed %d:" % s)
            show_case(spec, procs)
        return 0
    if os.geteuid() != 0:
        print("SKIP: race.py needs root for the kernel overlay")
        return 77
    sys.path.insert(0, os.path.join(TOP, "tests", "difftest"))
    import difftest as dt
    args.lib = os.path.abspath(args.lib.split()[-1])
    if not os.path.exists(args.lib):
        print("no library at %s (make first)" % args.lib)
        return 2
    # The workers run a private copy of this file: an edit of it during
    # a run must not reach them half written.
    args.tmpdir = tempfile.mkdtemp(prefix="race.", dir=args.tmpdir)
    os.chmod(args.tmpdir, 0o755)
    args.script = os.path.join(args.tmpdir, "race.py")
    shutil.copyfile(os.path.abspath(__file__), args.script)
    os.chmod(args.script, 0o644)
    # ... and of the library: a rebuild meanwhile (ld unlinks it, then
    # writes it) must not run a worker without it (difftest's snapshot)
    args.lib = dt.snapshot(args.lib, args.tmpdir, lambda p: None)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
    try:
        return run(args, dt, seeds)
    finally:
        if not args.keep:
            dt.rmtree(args.tmpdir)


def run(args, dt, seeds):
    t0 = time.monotonic()
    bad = judge_err = 0
    ran = 0
    for s in seeds:
        if args.time_budget and time.monotonic() - t0 > args.time_budget:
            break
        spec, procs, found = run_seed(args, dt, s)
        ran += 1
        if found or args.verbose:
            print("seed %d: %d processes, %d threads, %d operations%s" % (
                s, len(procs), len(units(procs)),
                sum(len(u["ops"]) for u in units(procs)),
                " (as uid %d)" % dt.USER_ID if args.as_user else ""))
        if found:
            if any(k == "BUG" for k, _, _ in found):
                bad += 1
            if any(k == "JUDGE" for k, _, _ in found):
                judge_err += 1
            for k, where, p in found[:12]:
                print("  %s %s: %s" % (k, where, p))
            if args.verbose:
                show_case(spec, procs)
        sys.stdout.flush()
    print("race.py: %d seeds%s, %d with a libunion finding, %d where the "
          "kernel broke a rule of the judge (%.0f s)" % (
              ran, " as uid %d" % dt.USER_ID if args.as_user else "",
              bad, judge_err, time.monotonic() - t0))
    return 1 if bad or judge_err else 0


if __name__ == "__main__":
    sys.exit(main() or 0)
