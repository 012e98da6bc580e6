#!/usr/bin/env python3
"""difftest.py - randomized differential testing of libunion against the
kernel's overlayfs.

From a seed it builds a random but reproducible set of layers (an upper that
already holds names, 2-3 lowers with files of varied sizes, modes and owners,
nested and empty directories, relative, absolute, dangling and looping
symlinks, a hard link, names in several layers at once, overlayfs whiteouts
and opaque directories) and a random sequence of operations over their names.
The layers are built twice at the same path: the first time the operations
run (through `driver`) over a kernel overlay mount, the second time under
libunion with the same MERGED path, so that no output needs rewriting.  Every
operation's printed result must match, then the merged trees (listed by
`driver --list`, through the kernel mount and through libunion), and the
lowers must be unchanged.

On a mismatch it prints the seed, the first differing operation, and (unless
--no-shrink) shrinks the operations and then the layers to a minimal failing
case, written as a stand-alone shell script (--repro-dir).

    difftest.py --seeds 100 [--ops 60] [--layout absent|inplace|two|all]
    difftest.py --seed 17 --layout inplace --keep -v

Exit status: 0 no mismatch, 1 mismatches, 77 not root (skip), 2 usage or
harness error.
"""

import argparse
import difflib
import hashlib
import os
import random
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))

LAYOUTS = ("absent", "inplace", "two")

# DIFFTEST_LOCKS=1: flock operations, and a lock held through a read-only
# descriptor of a lower file against one asked through a descriptor
# opened for writing since (the copy-up).  The kernel locks the overlay's
# inode, the same across the copy-up; libunion's two descriptors stand on
# two files (the lower's, the upper copy), and within one process the
# copy-up re-pointed the first descriptor at a new open file, without its
# lock (session 17, hunt17: found/251, fixed; between processes
# integration/flock-across-copy-up is an XFAIL).  Off by default: the
# streams of every seed stay as they were.
LOCKS = os.environ.get("DIFFTEST_LOCKS") == "1"

# Times the layers are built with, and the ones operations set, are all
# before driver.c's OLD_TIME_LIMIT (the ones the clock sets print "new").
T_LAYER = 1000000000
T_OP = 1200000000

NAMES = ["a", "b", "c", "d", "e", "f"]
FILE_MODES = [0o600, 0o644, 0o755, 0o444]
DIR_MODES = [0o755, 0o755, 0o755, 0o700, 0o775, 0o555]
# The ingredients of issue 11 (not with --classic): the modes that found
# the bugs of an unprivileged user who owns the lowers.
FILE_MODES_X = FILE_MODES + [0o400, 0o640, 0o444]
DIR_MODES_X = DIR_MODES + [0o500, 0o700, 0o750, 0o555]
# Read-only unions (an empty UPPER), per union
P_READONLY = 0.12
# The user of --as-user: owns every layer, plays the operations.
USER_ID = 65534
SETPRIV = ["setpriv", "--reuid=%d" % USER_ID, "--regid=%d" % USER_ID,
           "--clear-groups", "--"]
OWNERS = [(0, 0), (0, 0), (0, 0), (1000, 1000), (65534, 65534)]
SIZES = [0, 1, 10, 100, 511, 4095, 4096, 4097, 20000, 70000]


# ----------------------------------------------------------------------
# The layers

class Union:
    """One union: paths relative to the run root R (merged may be a lower)."""

    def __init__(self, merged, upper, lowers, work, absent, readonly=False):
        self.merged = merged
        self.upper = upper
        self.lowers = lowers
        self.work = work
        self.absent = absent  # MERGED does not exist on disk for libunion
        # an empty UPPER (DESIGN.md): a read-only union; the kernel mount
        # has no upperdir
        self.readonly = readonly

    def layers(self):
        return ([] if self.readonly else [self.upper]) + self.lowers


class Spec:
    """The layer set: unions, and for each layer dir its entries in order.

    An entry is a dict: path (relative to the layer), kind (f d l h w p),
    and per kind: mode uid gid mtime xattrs size label / opaque / target.
    """

    def __init__(self, layout, unions):
        self.layout = layout
        self.unions = unions
        self.entries = {}  # layer dir -> [entry]

    def copy(self):
        s = Spec(self.layout, self.unions)
        s.entries = {k: list(v) for k, v in self.entries.items()}
        return s

    def count(self):
        return sum(len(v) for v in self.entries.values())


def make_unions(layout, rng, extra=False):
    def ro():
        return extra and rng.random() < P_READONLY

    if layout == "two":
        n1 = rng.choice([2, 3])
        n2 = rng.choice([2, 3])
        return [Union("m1", "u1", ["l1%s" % c for c in "abc"[:n1]], "w1", True,
                      ro()),
                Union("m2", "u2", ["l2%s" % c for c in "abc"[:n2]], "w2", True,
                      ro())]
    n = rng.choice([2, 3, 3])
    lowers = ["l%d" % (i + 1) for i in range(n)]
    if layout == "inplace":
        return [Union("l1", "u", lowers, "w", False, ro())]
    return [Union("merged", "u", lowers, "w", True, ro())]


def rand_time(rng, base=T_LAYER):
    return (base + rng.randrange(10 ** 6)) * 10 ** 9 + rng.randrange(10 ** 9)


def rand_xattrs(rng):
    if rng.random() < 0.2:
        x = {"user.k1": "v%d" % rng.randrange(100)}
        if rng.random() < 0.4:
            x["user.k2"] = "w%d" % rng.randrange(100)
        return x
    return {}


def gen_layers(rng, layout, plain=False, extra=False):
    unions = make_unions(layout, rng, extra)
    file_modes = FILE_MODES_X if extra else FILE_MODES
    dir_modes = DIR_MODES_X if extra else DIR_MODES
    spec = Spec(layout, unions)
    for ui, un in enumerate(unions):
        layers = un.layers()
        for L in layers:
            spec.entries[L] = []
        files = {L: [] for L in layers}  # for hard links
        allpaths = []  # merged paths seen, for symlink targets

        def add(L, e):
            spec.entries[L].append(e)
            if e["kind"] == "f":
                files[L].append(e["path"])

        def symlink_target(path):
            r = rng.random()
            d = os.path.dirname(path)
            if r < 0.35 and allpaths:
                t = rng.choice(allpaths)
                return os.path.relpath(t, d or ".")
            if r < 0.55 and allpaths:
                return "{M%d}/%s" % (ui, rng.choice(allpaths))
            if r < 0.65:
                return "nonexistent"
            if r < 0.72:
                return os.path.basename(path)  # a loop on itself
            if r < 0.8:
                return "."
            if r < 0.87 and d:
                return ".."
            if allpaths and not plain:
                return rng.choice(allpaths).split("/")[-1] + "/"
            return "nonexistent/x"

        def gen_dir(rel, dir_layers, depth):
            for name in NAMES:
                if rng.random() > (0.6 if depth == 0 else 0.45 / depth):
                    continue
                path = rel + "/" + name if rel else name
                chosen = [L for L in dir_layers if rng.random() < 0.5]
                if not chosen:
                    chosen = [rng.choice(dir_layers)]
                base = rng.choices("fdl", weights=[5, 4, 2])[0]
                sub = []
                for L in chosen:
                    is_upper = L == un.upper
                    kind = base
                    if rng.random() < 0.15:
                        kind = rng.choice([k for k in "fdl" if k != base])
                    if not is_upper and rng.random() < 0.12:
                        kind = "w"
                    if kind == "f" and files[L] and rng.random() < 0.06:
                        kind = "h"
                    if not is_upper and kind == "f" and rng.random() < 0.03:
                        kind = "p"
                    mtime = rand_time(rng)
                    own = rng.choice(OWNERS)
                    e = {"path": path, "kind": kind, "mtime": mtime,
                         "uid": own[0], "gid": own[1]}
                    if kind == "f":
                        e.update(mode=rng.choice(file_modes),
                                 size=rng.choice(SIZES),
                                 label="%s:%s" % (L, path),
                                 xattrs=rand_xattrs(rng))
                    elif kind == "d":
                        e.update(mode=rng.choice(dir_modes),
                                 xattrs=rand_xattrs(rng),
                                 opaque=(not is_upper and
                                         rng.random() < 0.15))
                        sub.append(L)
                    elif kind == "l":
                        e.update(target=symlink_target(path))
                    elif kind == "h":
                        e.update(target=rng.choice(files[L]))
                    elif kind == "p":
                        e.update(mode=0o644)
                    add(L, e)
                allpaths.append(path)
                if sub and depth < 3:
                    gen_dir(path, sub, depth + 1)

        gen_dir("", layers, 0)

        lowers = un.lowers
        # Always: a hard link in a lower, a loop, a whiteout and an opaque
        # directory in a lower above another.
        L = lowers[-1]
        if files[L]:
            t = rng.choice(files[L])
            add(L, {"path": "hl", "kind": "h", "target": t})
            allpaths.append("hl")
        add(lowers[0], {"path": "loop1", "kind": "l", "target": "loop2",
                        "mtime": rand_time(rng), "uid": 0, "gid": 0})
        add(lowers[0], {"path": "loop2", "kind": "l", "target": "loop1",
                        "mtime": rand_time(rng), "uid": 0, "gid": 0})
        below = set()
        for lo in lowers[1:]:
            below |= {e["path"] for e in spec.entries[lo]
                      if "/" not in e["path"]}
        top = {e["path"] for e in spec.entries[lowers[0]]}
        cand = sorted(below - top)
        if cand:
            add(lowers[0], {"path": rng.choice(cand), "kind": "w",
                            "mtime": rand_time(rng), "uid": 0, "gid": 0})
        # an opaque directory in the first lower over one in a lower below
        dl = {e["path"] for lo in lowers[1:] for e in spec.entries[lo]
              if e["kind"] == "d" and "/" not in e["path"]}
        cand = sorted(dl - top)
        if cand:
            p = rng.choice(cand)
            add(lowers[0], {"path": p, "kind": "d", "mode": 0o755,
                            "mtime": rand_time(rng), "uid": 0, "gid": 0,
                            "xattrs": {}, "opaque": True})
            add(lowers[0], {"path": p + "/" + rng.choice(NAMES), "kind": "f",
                            "mode": 0o644, "size": 10, "label": "opq",
                            "mtime": rand_time(rng), "uid": 0, "gid": 0,
                            "xattrs": {}})
            allpaths.append(p)
        # an empty directory
        add(lowers[-1], {"path": "empty", "kind": "d", "mode": 0o755,
                         "mtime": rand_time(rng), "uid": 0, "gid": 0,
                         "xattrs": {}, "opaque": False})
        allpaths.append("empty")
        # a lower fifo, for the fifo held open across a copy-up
        if extra and rng.random() < 0.5:
            add(rng.choice(lowers), {"path": "pf", "kind": "p",
                                     "mode": 0o644, "mtime": rand_time(rng),
                                     "uid": 0, "gid": 0})
            allpaths.append("pf")
    return spec


def content(label, size):
    unit = (label + "\n").encode()
    return (unit * (size // len(unit) + 1))[:size]


def subst(s, R, spec):
    """Fill {R} and {M<i>} (the merged path of union i) in."""
    s = s.replace("{R}", R)
    for i, un in enumerate(spec.unions):
        s = s.replace("{M%d}" % i, R + "/" + un.merged)
    return s


def live_entries(spec, L):
    """The entries of layer L whose parents exist as directories."""
    dirs = {""}
    files = set()
    out = []
    for e in spec.entries[L]:
        parent = os.path.dirname(e["path"])
        if parent not in dirs:
            continue
        if e["path"] in dirs or e["path"] in files:
            continue
        if e["kind"] == "h" and e["target"] not in files:
            continue
        out.append(e)
        if e["kind"] == "d":
            dirs.add(e["path"])
        else:
            files.add(e["path"])
    return out


def opaque_xattr(user):
    """The xattr that makes a lower directory opaque: an unprivileged
    process cannot read trusted.* at all, so the user's layers use
    user.overlay.opaque (DESIGN.md: both are honoured) and the kernel mount
    reads that one (userxattr)."""
    return "user.overlay.opaque" if user else "trusted.overlay.opaque"


def build(spec, R, kernel, user=False):
    """Build the layers of spec under R (which must not exist)."""
    os.makedirs(R + "/cwd")
    for un in spec.unions:
        for L in un.layers():
            os.makedirs(R + "/" + L, exist_ok=True)
        if kernel:
            os.makedirs(R + "/" + un.work, exist_ok=True)
            os.makedirs(R + "/" + un.merged, exist_ok=True)
    touched = []
    for L, _ in spec.entries.items():
        base = R + "/" + L
        for e in live_entries(spec, L):
            p = base + "/" + e["path"]
            k = e["kind"]
            if k == "f":
                with open(p, "wb") as f:
                    f.write(content(e["label"], e["size"]))
            elif k == "d":
                os.mkdir(p)
                if e.get("opaque"):
                    os.setxattr(p, opaque_xattr(user), b"y")
            elif k == "l":
                os.symlink(subst(e["target"], R, spec), p)
            elif k == "h":
                os.link(base + "/" + e["target"], p)
                continue
            elif k == "w":
                os.mknod(p, stat.S_IFCHR | 0o600, os.makedev(0, 0))
            elif k == "p":
                os.mkfifo(p)
            for n, v in e.get("xattrs", {}).items():
                os.setxattr(p, n, v.encode(), follow_symlinks=False)
            os.chown(p, e["uid"], e["gid"], follow_symlinks=False)
            if k in "fdp":
                os.chmod(p, e["mode"])
            touched.append((p, e["mtime"]))
    for un in spec.unions:
        for L in un.layers():
            touched.append((R + "/" + L, T_LAYER * 10 ** 9))
    for p, t in touched:
        os.utime(p, ns=(t, t), follow_symlinks=False)


def give_to_user(spec, R):
    """--as-user: the layers (every entry, the layer directories) and the
    driver's cwd become USER_ID's, as a user's own lowers and upper are."""
    dirs = [R + "/cwd"] + [R + "/" + L for un in spec.unions
                           for L in un.layers()]
    for d in dirs:
        for root, ds, fs in os.walk(d):
            for n in ds + fs:
                os.chown(os.path.join(root, n), USER_ID, USER_ID,
                         follow_symlinks=False)
        os.chown(d, USER_ID, USER_ID)


def tree_state(d):
    """Everything of a layer but atimes (and ctimes), as sorted lines."""
    lines = []
    for root, dirs, files in os.walk(d):
        dirs.sort()
        for name in sorted(dirs + files) + ["."]:
            p = os.path.join(root, name) if name != "." else root
            st = os.lstat(p)
            line = "%s %o %d:%d n=%d m=%d" % (
                os.path.relpath(p, d), st.st_mode, st.st_uid, st.st_gid,
                st.st_nlink, st.st_mtime_ns)
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    line += " s=%d %s" % (st.st_size,
                                          hashlib.sha1(f.read()).hexdigest())
            elif stat.S_ISLNK(st.st_mode):
                line += " -> " + os.readlink(p)
            elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
                line += " rdev=%d" % st.st_rdev
            for x in sorted(os.listxattr(p, follow_symlinks=False)):
                line += " %s=%r" % (x, os.getxattr(p, x,
                                                   follow_symlinks=False))
            lines.append(line)
    return sorted(set(lines))


# ----------------------------------------------------------------------
# The operations

class OpGen:
    """The operations.  plain: no path tricks (a trailing `/`, `/.`, `//`,
    `.` or `..` as a rename operand, the root as an operand, an unopened
    directory descriptor, O_CREAT|O_DIRECTORY, a utimensat that omits both
    times), to hunt for other bugs while those are known."""

    def __init__(self, rng, spec, plain=False, extra=False):
        self.plain = plain
        self.extra = extra
        self.tags = []  # per operation: the macro that made it, or "-"
        # the lower fifos (union, path)
        self.fifos = sorted({(ui, e["path"])
                             for ui, un in enumerate(spec.unions)
                             for lo in un.lowers for e in spec.entries[lo]
                             if e["kind"] == "p"})
        self.dslots = set()
        self.fslots = set()
        self.rng = rng
        self.spec = spec
        self.paths = []  # (union index, path) of every layer name
        self.dirs = []
        for ui, un in enumerate(spec.unions):
            seen = set()
            for L in un.layers():
                for e in spec.entries[L]:
                    if e["path"] not in seen:
                        seen.add(e["path"])
                        self.paths.append((ui, e["path"]))
                    if e["kind"] == "d":
                        self.dirs.append((ui, e["path"]))
            self.dirs.append((ui, ""))
        self.cwd = None  # (union, path) after a chdir
        self.last = None  # the last (union, path) chosen
        self.ui = 0

    def union(self):
        n = len(self.spec.unions)
        if n > 1 and self.rng.random() < 0.5:
            self.ui = self.rng.randrange(n)
        return self.ui

    def rel(self, ui, p):
        """p (relative to union ui's root) as the operation should name it."""
        rng = self.rng
        if self.cwd and self.cwd[0] == ui and rng.random() < 0.3:
            r = os.path.relpath(p or ".", self.cwd[1] or ".")
            return r
        s = "{M%d}" % ui + ("/" + p if p else "")
        if self.plain:
            return s
        if rng.random() < 0.04:
            s += "/"
        elif rng.random() < 0.02 and p:
            s = "{M%d}/" % ui + p.replace("/", "//")
        elif rng.random() < 0.02 and p:
            s += "/."
        return s

    def rawpath(self, ui=None):
        """A path: mostly a name of the layers, sometimes a new one; one
        time in four the last one used (create, then use; delete, then
        create again), or its parent or a child of it."""
        rng = self.rng
        if ui is None:
            ui = self.union()
        if self.last and self.last[0] == ui and rng.random() < 0.25:
            p = self.last[1]
            r = rng.random()
            if r < 0.15 and p:
                p = os.path.dirname(p)
            elif r < 0.3:
                p = (p + "/" if p else "") + rng.choice(NAMES + ["n1"])
            return ui, p
        ui, p = self._rawpath(ui)
        self.last = (ui, p)
        return ui, p

    def _rawpath(self, ui):
        rng = self.rng
        r = rng.random()
        cands = [p for u, p in self.paths if u == ui]
        if r < 0.72 and cands:
            return ui, rng.choice(cands)
        if r < 0.8:
            return ui, rng.choice([p for u, p in self.dirs if u == ui])
        # a new name in a known directory, or under a name that is not one
        d = rng.choice([p for u, p in self.dirs if u == ui] +
                       ([rng.choice(cands)] if cands else []))
        name = rng.choice(NAMES + ["n1", "n2", "n3"])
        p = d + "/" + name if d else name
        if rng.random() < 0.5:
            self.paths.append((ui, p))  # created later, maybe
        return ui, p

    def path(self, ui=None):
        ui, p = self.rawpath(ui)
        return self.rel(ui, p)

    def dirpath(self):
        ui = self.union()
        ds = [p for u, p in self.dirs if u == ui]
        if self.rng.random() < 0.8:
            return ui, self.rng.choice(ds)
        return self.rawpath(ui)

    def slot(self):
        """A descriptor slot, mostly one that an earlier op opened."""
        if self.fslots and self.rng.random() < 0.85:
            return self.rng.choice(sorted(self.fslots))
        return str(self.rng.randrange(6))

    def newslot(self):
        s = str(self.rng.randrange(6))
        self.fslots.add(s)
        return s

    def dslot(self):
        if self.plain:
            return self.rng.choice(sorted(self.dslots) + ["cwd"])
        return self.rng.choice(["6", "7", "cwd"])

    def name_in_dslot(self):
        return self.rng.choice(NAMES + ["n1", "n2"] +
                               ["%s/%s" % (self.rng.choice(NAMES),
                                           self.rng.choice(NAMES))])

    def oflags(self):
        rng = self.rng
        f = [rng.choice(["rdonly", "rdonly", "wronly", "rdwr", "rdwr"])]
        for x, p in (("creat", 0.35), ("excl", 0.12), ("trunc", 0.2),
                     ("append", 0.15), ("directory", 0.06),
                     ("nofollow", 0.1)):
            if rng.random() < p:
                f.append(x)
        if self.plain and "creat" in f and "directory" in f:
            f.remove("directory")
        return ",".join(f)

    def mode(self):
        return "%o" % self.rng.choice([0o600, 0o644, 0o755, 0o444, 0o700,
                                       0o000, 0o777, 0o640] +
                                      ([0o400, 0o500, 0o555, 0o750]
                                       if self.extra else []))

    def time(self):
        r = self.rng.random()
        if r < 0.1:
            return "now"
        if r < 0.2 and not self.plain:
            return "omit"
        return "%d.%09d" % (T_OP + self.rng.randrange(10 ** 6),
                            self.rng.randrange(10 ** 9))

    def owner(self):
        return self.rng.choice(["0 0", "1000 1000", "65534 65534", "-1 1000",
                                "1000 -1"])

    def xname(self):
        return self.rng.choice(["user.k1", "user.k2", "user.new"])

    def lock_copy_up(self):
        """A lock held through a read-only descriptor of a lower file,
        then another description of it opened for writing (the copy-up)
        asks for a lock that conflicts (DIFFTEST_LOCKS)."""
        rng = self.rng
        p = self.path()
        a, b = rng.sample("012345", 2)
        return ["open %s %s rdonly 0" % (a, p),
                "flock %s %s" % (a, rng.choice(["shnb", "exnb"])),
                "open %s %s %s 0" % (b, p, rng.choice(["rdwr", "wronly,append"])),
                "flock %s exnb" % b,
                "flock %s shnb" % b]

    def one(self):
        rng = self.rng
        P = self.path
        ops = [
            (10, lambda: "open %s %s %s %s" % (self.newslot(), P(),
                                               self.oflags(), self.mode())),
            (3, lambda: self.opendir()),
            (3, lambda: "read %s %d" % (self.slot(), rng.choice(
                [1, 100, 4096, 100000]))),
            (2, lambda: "pread %s %d %d" % (self.slot(), rng.choice(
                [10, 5000]), rng.choice([0, 3, 4096]))),
            (2, lambda: "fdcat %s" % self.slot()),
            (4, lambda: "write %s %d %d" % (self.slot(), rng.choice(
                [1, 10, 5000]), rng.randrange(100))),
            (2, lambda: "pwrite %s %d %d %d" % (self.slot(), rng.choice(
                [3, 100]), rng.choice([0, 2, 10000]), rng.randrange(100))),
            (1, lambda: "lseek %s %d %s" % (self.slot(), rng.choice(
                [0, 5, 100]), rng.choice(["set", "cur", "end"]))),
            (2, lambda: "ftruncate %s %d" % (self.slot(), rng.choice(
                [0, 3, 5000]))),
            (2, lambda: "fstat %s" % self.slot()),
            (3, lambda: "close %s" % self.slot()),
            (2, lambda: "fchmod %s %s" % (self.slot(), self.mode())),
            (1, lambda: "fchown %s %s" % (self.slot(), self.owner())),
            (1, lambda: "futimens %s %s %s" % (self.slot(), self.time(),
                                               self.time())),
            (1, lambda: "fsetxattr %s %s fv 0" % (self.slot(), self.xname())),
            (1, lambda: "fdls %s" % rng.choice("67")),
            (4, lambda: "readall %s" % P()),
            (3, lambda: "append %s %d %d" % (P(), rng.choice([1, 50]),
                                             rng.randrange(100))),
            (2, lambda: "truncate %s %d" % (P(), rng.choice([0, 7, 9000]))),
            (2, lambda: "creat %s %s %s" % (self.newslot(), P(),
                                            self.mode())),
            (5, lambda: "unlink %s" % P()),
            (3, lambda: "rmdir %s" % P()),
            (4, lambda: "mkdir %s %s" % (P(), self.mode())),
            (0.5, lambda: "mkfifo %s 644" % P()),
            (5, lambda: self.two("rename")),
            (4, lambda: self.two("renameat2") + " " + rng.choice(
                ["0", "noreplace", "exchange", "exchange"])),
            (2, lambda: "symlink %s %s" % (self.target(), P())),
            (2, lambda: "readlink %s" % P()),
            (3, lambda: self.two("link")),
            (2, lambda: "chmod %s %s" % (P(), self.mode())),
            (2, lambda: "chown %s %s" % (P(), self.owner())),
            (1, lambda: "lchown %s %s" % (P(), self.owner())),
            (2, lambda: "utimensat cwd %s %s %s %s" % (
                P(), self.time(), self.time(), rng.choice(["0", "nofollow"]))),
            (2, lambda: "setxattr %s %s %s %s" % (
                P(), self.xname(), rng.choice(["x", "yy", "z1"]),
                rng.choice(["0", "0", "create", "replace"]))),
            (1, lambda: "lsetxattr %s %s ls 0" % (P(), self.xname())),
            (1, lambda: "getxattr %s %s" % (P(), self.xname())),
            (1, lambda: "listxattr %s" % P()),
            (1, lambda: "llistxattr %s" % P()),
            (1, lambda: "removexattr %s %s" % (P(), self.xname())),
            (3, lambda: "stat %s" % P()),
            (3, lambda: "lstat %s" % P()),
            (2, lambda: "statx cwd %s %s" % (P(), rng.choice(["0",
                                                              "nofollow"]))),
            (2, lambda: "access %s %s" % (P(), rng.choice(["f", "r", "w",
                                                           "x", "rw"]))),
            (4, lambda: "ls %s" % self.rel(*self.dirpath())),
            (1, lambda: "lsseek %s" % self.rel(*self.dirpath())),
            (2, lambda: self.chdir()),
            (0.5, lambda: "getcwd"),
            (1, lambda: "realpath %s" % P()),
            (2, lambda: "inocheck %s" % P()),
            # with a directory descriptor
            (1.5, lambda: "openat %s %s %s %s %s" % (
                self.newslot(), self.dslot(), self.name_in_dslot(),
                self.oflags(), self.mode())),
            (1, lambda: "mkdirat %s %s %s" % (self.dslot(),
                                              self.name_in_dslot(),
                                              self.mode())),
            (1, lambda: "unlinkat %s %s %s" % (
                self.dslot(), self.name_in_dslot(),
                rng.choice(["0", "removedir"]))),
            (1, lambda: "fstatat %s %s %s" % (
                self.dslot(), self.name_in_dslot(),
                rng.choice(["0", "nofollow"]))),
            (0.7, lambda: "renameat %s %s %s %s" % (
                self.dslot(), self.name_in_dslot(), self.dslot(),
                self.name_in_dslot())),
            (0.5, lambda: "symlinkat %s %s %s" % (
                self.target(), self.dslot(), self.name_in_dslot())),
            (0.5, lambda: "linkat %s %s %s %s %s" % (
                self.dslot(), self.name_in_dslot(), self.dslot(),
                self.name_in_dslot(), rng.choice(["0", "follow"]))),
            (0.5, lambda: "fchmodat %s %s %s 0" % (
                self.dslot(), self.name_in_dslot(), self.mode())),
            (0.5, lambda: "fchownat %s %s %s %s" % (
                self.dslot(), self.name_in_dslot(), self.owner(),
                rng.choice(["0", "nofollow"]))),
            (0.5, lambda: "readlinkat %s %s" % (self.dslot(),
                                                self.name_in_dslot())),
            (0.5, lambda: "faccessat %s %s %s 0" % (
                self.dslot(), self.name_in_dslot(),
                rng.choice(["f", "r", "w", "x"]))),
            (0.7, lambda: "fchdir %s" % rng.choice("67")),
        ]
        if self.extra:
            ops += [
                (4, lambda: ("removed", self.removed_dir())),
                (2.5, lambda: ("topdots", self.top_dots())),
                (3, lambda: ("chmoddir", "chmod %s %s" % (
                    self.rel(*self.dirpath()), rng.choice(
                        ["600", "700", "500", "555", "750", "755"])))),
                (0.5, lambda: "fremovexattr %s %s" % (self.slot(),
                                                       self.xname())),
                (2, lambda: ("fdchange", self.fd_change())),
            ]
            if self.fifos:
                ops.append((2, lambda: ("fifo", self.fifo_copy_up())))
        if LOCKS:
            # (DIFFTEST_LOCKS=1 only: see LOCKS)
            ops += [
                # (never a lock that waits: one another description of
                # this process holds would wait for the alarm)
                (3, lambda: "flock %s %s" % (self.slot(), rng.choice(
                    ["shnb", "exnb", "exnb", "un"]))),
                (2, lambda: ("locks", self.lock_copy_up())),
            ]
        weights = [w for w, _ in ops]
        return rng.choices(ops, weights=weights)[0][1]()

    def opendir(self):
        s = self.rng.choice("67")
        self.dslots.add(s)
        return "open %s %s rdonly,directory 0" % (s, self.rel(*self.dirpath()))

    def two(self, op):
        rng = self.rng
        if self.plain:
            return self.two_plain(op)
        ui, a = self.rawpath()
        if len(self.spec.unions) > 1 and rng.random() < 0.15:
            uj = rng.randrange(len(self.spec.unions))
        else:
            uj = ui
        if rng.random() < 0.2:
            # a sibling name: renames within one directory are common
            b = os.path.join(os.path.dirname(a),
                             rng.choice(NAMES + ["n1", "n2"]))
            self.paths.append((uj, b))
        else:
            uj, b = self.rawpath(uj)
        return "%s %s %s" % (op, self.rel(ui, a), self.rel(uj, b))

    def two_plain(self, op):
        rng = self.rng
        for _ in range(20):
            ui, a = self.rawpath()
            if a:
                break
        if len(self.spec.unions) > 1 and rng.random() < 0.15:
            uj = rng.randrange(len(self.spec.unions))
        else:
            uj = ui
        b = ""
        for _ in range(20):
            if rng.random() < 0.2:
                b = os.path.join(os.path.dirname(a),
                                 rng.choice(NAMES + ["n1", "n2"]))
                self.paths.append((uj, b))
            else:
                uj, b = self.rawpath(uj)
            if b:
                break
        return "%s {M%d}/%s {M%d}/%s" % (op, ui, a, uj, b)

    def target(self):
        rng = self.rng
        r = rng.random()
        ui, p = self.rawpath()
        if r < 0.4:
            return "{M%d}/%s" % (ui, p)
        if r < 0.8:
            return p.split("/")[-1]
        if self.plain:
            return rng.choice(["nonexistent", "../" + p])
        return rng.choice(["nonexistent", "..", ".", "../" + p])

    def chdir(self):
        ui, p = self.dirpath()
        s = self.rel(ui, p)
        self.cwd = (ui, p)
        return "chdir %s" % s

    def gen(self, n):
        """n operations; self.tags says which ingredient made each."""
        out = []
        self.tags = []
        while len(out) < n:
            x = self.one()
            tag = "-"
            if isinstance(x, tuple):
                tag, x = x
            if isinstance(x, str):
                x = [x]
            out += x
            self.tags += [tag] * len(x)
        self.tags = self.tags[:n]
        return out[:n]

    # The ingredients of issue 11 (each a few operations in a row)

    def removed_dir(self):
        """A fresh directory held as the cwd and/or an open descriptor,
        removed (maybe made again), then `..`, relative and *at calls from
        it (item 2)."""
        rng = self.rng
        ui = self.union()
        M = "{M%d}" % ui
        if (ui, "empty") in self.dirs and rng.random() < 0.4:
            # the lower's empty directory: removed while only a lower's,
            # or merged once a child made in it copied it up (the
            # kernel's fstat/stat of it answers by what it was)
            parent, name = "", "empty"
            d = name
            ops = []
        else:
            parent = rng.choice([p for u, p in self.dirs if u == ui])
            name = rng.choice(["r1", "r2"])
            d = parent + "/" + name if parent else name
            ops = ["mkdir %s/%s %s" % (M, d, rng.choice(["755", "700",
                                                         "555", "750"]))]
        how = rng.choice(["cwd", "fd", "both"])
        s = rng.choice("67")
        if how != "cwd":
            self.dslots.add(s)
            ops.append("open %s %s/%s rdonly,directory 0" % (s, M, d))
        if how != "fd":
            ops.append("chdir %s/%s" % (M, d))
        if rng.random() < 0.3:  # rm -r: a child first
            ops += ["mkdir %s/%s/x 755" % (M, d), "rmdir %s/%s/x" % (M, d)]
        ops.append(rng.choice(["rmdir %s/%s", "unlinkat cwd %s/%s removedir"])
                   % (M, d))
        if rng.random() < 0.3:  # the same name made again
            ops.append("mkdir %s/%s 755" % (M, d))
        sib = rng.choice(NAMES)
        inside = []
        if how != "fd":
            inside += ["getcwd", "stat .", "stat ..", "ls ..", "ls .",
                       "mkdir n5 755", "open %s n5 creat,wronly 644" %
                       self.newslot(), "stat n5", "lstat ../%s" % name,
                       "unlink ../%s" % sib, "rmdir ../%s" % sib,
                       "fstatat cwd .. 0", "realpath ..", "statx cwd . 0",
                       self.open_dot_fstat()]
        if how != "cwd":
            inside += ["fstat %s" % s, "fstatat %s .. 0" % s,
                       "fstatat %s . 0" % s, "fstatat %s n5 0" % s,
                       "mkdirat %s n5 755" % s,
                       "openat %s %s .. rdonly,directory 0" % (
                           self.newslot(), s),
                       "renameat %s . %s n6" % (s, s), "fdls %s" % s,
                       "unlinkat %s ../%s 0" % (s, sib),
                       "symlinkat x %s n5" % s, "faccessat %s .. x 0" % s,
                       "fchdir %s" % s]
        for op in rng.sample(inside, rng.randint(2, min(6, len(inside)))):
            ops += op if isinstance(op, list) else [op]
        if how != "fd" and rng.random() < 0.6:
            ops += ["chdir ..", "getcwd", rng.choice(["ls .", "stat %s" % name,
                                                      "mkdir %s 755" % name])]
            self.cwd = (ui, parent)
        else:
            self.cwd = (ui, d) if how != "fd" else self.cwd
        return ops

    def open_dot_fstat(self):
        """The removed cwd opened by '.' and its descriptor fstat'ed."""
        s = self.newslot()
        return ["open %s . rdonly,directory 0" % s, "fstat %s" % s]

    def top_dots(self):
        """A path whose last component is `..` or `.` at MERGED's top, or
        `..`/`.` through a descriptor of MERGED (item 1)."""
        rng = self.rng
        ui = self.union()
        M = "{M%d}" % ui
        top = M + "/" + rng.choice(["..", "..", "../", "."])
        nm = M + "/" + rng.choice(NAMES + ["n1"])
        if rng.random() < 0.6:
            cands = ["rmdir %s" % top, "unlink %s" % top,
                     "rename %s %s" % (top, nm), "rename %s %s" % (nm, top),
                     "renameat2 %s %s noreplace" % (top, nm),
                     "mkdir %s 755" % top, "link %s %s" % (nm, top),
                     "link %s %s" % (top, nm), "symlink x %s" % top,
                     "mkfifo %s 644" % top]
            if len(self.spec.unions) > 1:
                cands.append("rename %s {M%d}/n1" % (top, 1 - ui))
            return rng.choice(cands)
        s = rng.choice("67")
        self.dslots.add(s)
        d = rng.choice(["..", "..", "."])
        n = rng.choice(NAMES)
        return ["open %s %s rdonly,directory 0" % (s, M), rng.choice([
            "unlinkat %s %s removedir" % (s, d), "unlinkat %s %s 0" % (s, d),
            "renameat %s %s %s n1" % (s, d, s),
            "renameat %s %s %s %s" % (s, n, s, d),
            "mkdirat %s %s 755" % (s, d),
            "linkat %s %s %s %s 0" % (s, n, s, d),
            "symlinkat x %s %s" % (s, d), "fstatat %s . 0" % s,
            "openat %s %s . rdonly,directory 0" % (self.newslot(), s)])]

    def fd_change(self):
        """A change through a descriptor opened read-only (or O_PATH):
        in a read-only union it must answer EROFS and leave the lower
        alone; elsewhere it copies up (issue 11: nothing covered it)."""
        rng = self.rng
        s = self.newslot()
        p = self.path()
        return ["open %s %s %s 0" % (s, p, rng.choice(["rdonly", "rdonly",
                                                        "rdonly,directory",
                                                        "path"])),
                rng.choice(["fchmod %s %s" % (s, self.mode()),
                            "futimens %s %s %s" % (s, self.time(),
                                                   self.time()),
                            "fsetxattr %s %s fv 0" % (s, self.xname()),
                            "fremovexattr %s %s" % (s, self.xname()),
                            "fchown %s %s" % (s, self.owner())]),
                "fstat %s" % s]

    def fifo_copy_up(self):
        """A lower fifo held open (two descriptors, maybe) across a copy-up:
        both stay the one fifo; the writes' mtime (item 7)."""
        rng = self.rng
        ui, f = rng.choice(self.fifos)
        p = "{M%d}/%s" % (ui, f)
        a = self.newslot()
        b = str((int(a) + 1) % 6)
        self.fslots.add(b)
        ops = ["open %s %s rdwr 0" % (a, p)]
        two = rng.random() < 0.5
        if two:
            ops.append("open %s %s rdonly 0" % (b, p))
        ops.append("write %s 10 %d" % (a, rng.randrange(100)))
        ops.append(rng.choice(["chmod %s 600" % p, "setxattr %s user.k1 f 0"
                               % p, "utimensat cwd %s now now 0" % p,
                               "chown %s 65534 65534" % p,
                               "lchown %s 65534 65534" % p]))
        ops += ["write %s 7 %d" % (a, rng.randrange(100)),
                "read %s 100" % (b if two else a), "fstat %s" % a,
                "stat %s" % p]
        return ops


# ----------------------------------------------------------------------
# Running one side

class Env:
    def __init__(self, driver, lib, verbose=False, timeout=20,
                 selftest=False, ignore=(), user=False):
        # user: the layers are USER_ID's and the operations run as USER_ID
        # (the kernel mount is still root's; the trees are listed as root)
        self.user = user
        self.selftest = selftest
        self.extra = True
        self.known = []
        self.shrink_known = False
        self.ignore = ignore
        self.driver = driver
        # A sanitizer build of the library (make check sets
        # UN_PRELOAD_FIRST to the ASan runtime) needs the runtime first
        # in LD_PRELOAD.  A sanitizer's report ends the driver with a
        # status of its own (ASAN_OPTIONS exitcode), a mismatch.
        self.set_lib(lib)
        self.verbose = verbose
        self.timeout = timeout

    def set_lib(self, lib):
        self.lib = lib
        first = os.environ.get("UN_PRELOAD_FIRST", "")
        self.preload = (first + " " + lib) if first else lib


def esc_layers(p):
    return "".join("\\" + c if c in "\\:;=" else c for c in p)


def esc_mount(p):
    return "".join("\\" + c if c in "\\:," else c for c in p)


def union_layers(spec, R):
    mounts = []
    for un in spec.unions:
        s = esc_layers(R + "/" + un.merged) + "=" + (
            "" if un.readonly else esc_layers(R + "/" + un.upper))
        for lo in un.lowers:
            s += ":" + esc_layers(R + "/" + lo)
        mounts.append(s)
    return ";".join(mounts)


def kernel_opts(un, R, user=False):
    # userxattr (the user's run): opaque marks in user.overlay.*; it needs
    # redirect_dir=nofollow, its default (no lower has a redirect: the same)
    opts = "index=off,metacopy=off," + (
        "userxattr" if user else "redirect_dir=off")
    if un.readonly:
        return "lowerdir=%s,%s" % (
            ":".join(esc_mount(R + "/" + lo) for lo in un.lowers), opts)
    return ("lowerdir=%s,upperdir=%s,workdir=%s,%s" % (
        ":".join(esc_mount(R + "/" + lo) for lo in un.lowers),
        esc_mount(R + "/" + un.upper), esc_mount(R + "/" + un.work), opts))


def rmtree(p):
    if os.path.lexists(p):
        shutil.rmtree(p, ignore_errors=True)
        if os.path.lexists(p):
            subprocess.run(["rm", "-rf", p])


def umount(p):
    for args in (["umount", p], ["umount", "-l", p]):
        r = subprocess.run(args, stderr=subprocess.PIPE)
        if r.returncode == 0:
            return True
        time.sleep(0.05)
    return False


# A directory listed by name with nlink 0: see remount().
STALE_DIR = re.compile(r"^\S+ d \S+ \S+ nlink=0 ")


def remount(spec, R, user, mounted):
    """Mount the kernel side afresh, to list its tree again.  Where the
    kernel's copy-up of a removed directory renamed its copy over a
    directory made at its name since (issue 11 item 2), the merged dentry
    of that name keeps the replaced one (nlink 0, empty) until the dentry
    leaves the kernel's cache: a state of memory, not of the layers.  The
    listing is of what the layers hold, as a fresh mount sees it (and
    the same mount once its cache lets go).  Only a tree that lists a
    directory with nlink 0 (none otherwise) is listed again: a mount
    costs a seed about a tenth of its time."""
    for m in reversed(mounted):
        if not umount(m):
            raise RuntimeError("cannot unmount %s" % m)
    del mounted[:]
    for un in spec.unions:
        m = R + "/" + un.merged
        r = subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                            kernel_opts(un, R, user), m],
                           stderr=subprocess.PIPE)
        if r.returncode != 0:
            raise RuntimeError("mount failed: %s" % r.stderr.decode().strip())
        mounted.append(m)


class SideResult:
    def __init__(self):
        self.ops = []
        self.tree = []
        self.lowers_changed = []
        self.upper_files = set()  # (union, path) of the uppers' files
        self.err = ""
        self.rc = 0


def run_driver(env, args, cwd, extra_env=None, inp=None, user=False):
    e = dict(os.environ)
    e.pop("LD_PRELOAD", None)
    e.pop("UNION_LAYERS", None)
    e["LC_ALL"] = "C"
    pre = []
    if user:
        # the library is loaded only after setpriv (as tests/lib.sh): a
        # root process with it could make the upper's .union/ root's
        pre = SETPRIV + ["env"] + ["%s=%s" % kv for kv in
                                   sorted((extra_env or {}).items())]
    elif extra_env:
        e.update(extra_env)
    try:
        r = subprocess.run(pre + [env.driver] + args, cwd=cwd, env=e,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=env.timeout)
        out = r.stdout.decode("utf-8", "backslashreplace").splitlines()
        err = r.stderr.decode("utf-8", "replace")
        rc = r.returncode
    except subprocess.TimeoutExpired as ex:
        out = (ex.stdout or b"").decode("utf-8", "backslashreplace")
        out = out.splitlines()
        err = (ex.stderr or b"").decode("utf-8", "replace") + "(timeout)"
        rc = "timeout"
    if extra_env and "LD_PRELOAD" in extra_env:
        preload_failed(err)
    return out, rc, err


# ld.so's words when an LD_PRELOAD object does not load: it says so on
# stderr and runs the program WITHOUT it.
PRELOAD_FAILED = "from LD_PRELOAD cannot be preloaded"


def preload_failed(err):
    """Raise (a harness error) if ld.so ran the driver without the
    library: the operations then played on the bare layers (in the
    inplace layout MERGED is a lower, so they wrote to it) and every
    difference would be blamed on libunion."""
    for line in err.splitlines():
        if PRELOAD_FAILED in line:
            raise RuntimeError("libunion was not loaded: " + line.strip())


def snapshot(src, dest_dir, probe, tries=20):
    """A private copy of src (the library or the driver) in dest_dir,
    used for the whole run.  A build that relinks src while the tester
    runs (GNU ld unlinks its output, then writes it in place: for a
    moment there is none, then a partial one) must not change what runs
    midway: ld.so drops an LD_PRELOAD object it cannot load and runs the
    driver on the bare layers, which looks like libunion changing a
    lower (session 9: "lowers changed", "tree: entry missing" and ENOENT
    at scattered seeds while list9 rebuilt its tree).  The copy is taken
    again until src held still across it and probe(copy) accepts it."""
    dst = os.path.join(dest_dir, os.path.basename(src))
    why = "?"
    for _ in range(tries):
        try:
            a = os.stat(src)
            shutil.copyfile(src, dst)
            b = os.stat(src)
        except OSError as ex:
            why = str(ex)
        else:
            k = (a.st_ino, a.st_size, a.st_mtime_ns)
            if k != (b.st_ino, b.st_size, b.st_mtime_ns):
                why = "it changed while it was copied"
            elif os.path.getsize(dst) != b.st_size:
                why = "the copy is short"
            else:
                os.chmod(dst, 0o755)
                why = probe(dst)
                if why is None:
                    return dst
        time.sleep(0.5)
    raise RuntimeError("cannot take a copy of %s that works: %s" % (src, why))


def probe_driver(env):
    def probe(drv):
        r = subprocess.run((SETPRIV if env.user else []) + [drv, "--list"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return None if r.returncode == 0 else (
            "the driver does not run (%s): %s" % (
                r.returncode, r.stderr.decode("utf-8", "replace").strip()))
    return probe


def probe_lib(env):
    """The copy must load (as the user who plays the operations): a
    process run with it must map it."""
    def probe(lib):
        first = os.environ.get("UN_PRELOAD_FIRST", "")
        pre = "%s %s" % (first, lib) if first else lib
        e = dict(os.environ, LD_PRELOAD=pre, LC_ALL="C")
        e.pop("UNION_LAYERS", None)
        r = subprocess.run((SETPRIV if env.user else []) +
                           ["cat", "/proc/self/maps"], env=e,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if lib in r.stdout.decode("utf-8", "replace"):
            return None
        return "the library does not load: %s" % (
            r.stderr.decode("utf-8", "replace").strip() or "not mapped")
    return probe


def run_side(env, spec, ops, R, kernel, keep_as=None):
    """Build the layers at R, play ops on one side, list, check the lowers."""
    res = SideResult()
    rmtree(R)
    build(spec, R, kernel, env.user)
    if env.user:
        give_to_user(spec, R)
    lowers = [lo for un in spec.unions for lo in un.lowers]
    before = {lo: tree_state(R + "/" + lo) for lo in lowers}
    opsfile = R + "/ops.txt"
    with open(opsfile, "w") as f:
        for o in ops:
            f.write(subst(o, R, spec) + "\n")
    roots = [R + "/" + un.merged for un in spec.unions]
    mounted = []
    try:
        if kernel:
            for un in spec.unions:
                m = R + "/" + un.merged
                r = subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                                    kernel_opts(un, R, env.user), m],
                                   stderr=subprocess.PIPE)
                if r.returncode != 0:
                    raise RuntimeError("mount failed: %s" %
                                       r.stderr.decode().strip())
                mounted.append(m)
            xenv = None
        else:
            xenv = {"UNION_LAYERS": union_layers(spec, R),
                    "LD_PRELOAD": env.preload}
        rargs = []
        for m in roots:
            rargs += ["-r", m]
        res.ops, rc, err = run_driver(env, rargs + [opsfile], R + "/cwd",
                                      xenv, user=env.user)
        if rc != 0:
            res.ops.append("EXIT %s" % rc)
            res.err += err
        res.tree, rc, err = run_driver(env, ["--list"] + roots, R + "/cwd",
                                       xenv)
        if kernel and rc == 0 and (
                any(STALE_DIR.match(l) for l in res.tree) or
                any(copied_over(ops, spec).values())):
            remount(spec, R, env.user, mounted)
            res.tree, rc, err = run_driver(env, ["--list"] + roots,
                                           R + "/cwd", xenv)
        if rc != 0:
            res.tree.append("EXIT %s" % rc)
            res.err += err
    finally:
        for m in reversed(mounted):
            if not umount(m):
                raise RuntimeError("cannot unmount %s" % m)
    for ui, un in enumerate(spec.unions):
        up = R + "/" + un.upper
        for root, dirs, files in os.walk(up):
            if root == up and ".union" in dirs:
                dirs.remove(".union")
            for f in files:
                p = os.path.join(root, f)
                if stat.S_ISREG(os.lstat(p).st_mode):
                    res.upper_files.add((ui, os.path.relpath(p, up)))
    for lo in lowers:
        after = tree_state(R + "/" + lo)
        if after != before[lo]:
            d = list(difflib.unified_diff(before[lo], after, lineterm="",
                                          n=0))[2:]
            res.lowers_changed.append("lower %s changed: %s" %
                                      (lo, "; ".join(d[:8])))
    if keep_as:
        rmtree(keep_as)
        os.rename(R, keep_as)
    else:
        rmtree(R)
    return res


# ----------------------------------------------------------------------
# Comparing

class Verdict:
    def __init__(self):
        self.klass = None    # a short description, to group mismatches
        self.ok = True
        self.sig = None      # what shrinking keeps failing
        self.text = []       # the report
        self.allowed = []    # differences DESIGN.md allows
        self.index = None    # the first differing operation's index
        self.op = None       # and the operation


def hardlinked(spec):
    """(union, path) of the names that are hard links in a lower."""
    out = set()
    for ui, un in enumerate(spec.unions):
        for lo in un.lowers:
            for e in spec.entries[lo]:
                if e["kind"] == "h":
                    out.add((ui, e["path"]))
                    out.add((ui, e["target"]))
    return out


class Allow:
    """DESIGN.md's allowed differences that a line can show.

    Only one applies to this tester: "hard links of a lower file break at
    copy-up".  A line may differ in nlink= alone, for a regular file that a
    lower holds as a hard link, when BOTH sides copied that name up (the
    uppers hold it at the end).  If only libunion copied it up, the
    difference is a copy-up the kernel did not make: a bug, not allowed.
    st_ino/st_dev are never compared across the sides; a descriptor opened
    by another process is never made (one player process)."""

    def __init__(self, spec, R, kr, ur, layout_roots):
        self.links = hardlinked(spec)
        self.both = kr.upper_files & ur.upper_files
        self.roots = layout_roots  # [(union, merged path)]

    def path_of(self, line):
        """(union, relative path) a line is about, or None."""
        if line.startswith("./"):
            return None  # tree lines carry the union in self.cur
        t = line.split(" ")
        if len(t) < 2:
            return None
        for ui, m in self.roots:
            if t[1].startswith(m + "/"):
                return ui, os.path.normpath(t[1][len(m) + 1:])
        return None

    def line(self, k, u, ui=None):
        kn = re.sub(r" nlink=\d+", " nlink=N", k)
        un = re.sub(r" nlink=\d+", " nlink=N", u)
        if kn == un == k or kn != un:
            return False
        if k.startswith("./"):
            key = (ui, os.path.normpath(k.split(" ")[0]))
            typ = k.split(" ")[1]
        else:
            key = self.path_of(k)
            typ = k.split(" => ")[-1][:1]
        return (typ == "f" and key in self.links and key in self.both)


# Where the kernel itself breaks the contract that DESIGN.md states, its
# output is corrected before the comparison (never libunion's):
#  - readdir of a directory that is not merged (one layer only) lists the
#    whiteouts (0/0 devices) of a lower that was an overlay upper, names
#    that lstat then answers ENOENT; DESIGN.md: "with whiteouts ... left
#    out".
#  - d_ino of a directory entry is not always st_ino (e.g. a copied-up
#    directory listed from a directory that is read as a plain one);
#    DESIGN.md: "a d_ino equal to what stat gives for that name".
KERNEL_TREE_DROP = re.compile(r"^\S+ (lstat ENOENT|!dino)$")
LISTING = re.compile(r"^((?:ls|fdls) \S+ => \[)(.*)\]( errno=\S+)?$")


def kernel_fix(line):
    m = LISTING.match(line)
    if m:
        ents = [e.replace("!ino", "") for e in m.group(2).split(" ")
                if e and not e.endswith(":c!stat=ENOENT")]
        return m.group(1) + " ".join(ents) + "]" + (m.group(3) or "")
    return line.replace(" dino-differs", "")


def user_fix(line):
    """--as-user, both sides: the opaque marks of the user's layers
    (user.overlay.opaque, see opaque_xattr) are hidden by the kernel mount
    (userxattr) and shown by libunion, which, as the kernel with its
    default options, lists user.* xattrs (DESIGN.md: it honours the mark
    under both names).  Only that name is taken out of xattr lists."""
    if "user.overlay.opaque" not in line:
        return line
    line = re.sub(r" ?user\.overlay\.opaque(=y)?(?=[\] ])", "", line)
    line = line.replace("[ ", "[")
    return re.sub(r" xattrs=\[\]", "", line)


IGNORES = ("dir-mtime",)


def ignore_fix(line, ignore):
    """--ignore: blur fields while hunting for other bugs (not in CI)."""
    if "dir-mtime" in ignore:
        line = re.sub(r"^(.* => |\S+ )?(d [0-7]{4} .*)mtime=\S+", lambda m:
                      (m.group(1) or "") + m.group(2) + "mtime=*", line)
    return line


# driver.c's " errno=E" after an operation that did not fail: the errno
# the call left.  Where the kernel's side leaves none, libunion must leave
# none (a program that zeroes errno before opendir and reads it after the
# readdir loop, cmake's kwsys, takes a leftover for a failure); where
# glibc's own success leaves one (realpath's readlink EINVAL), which one
# libunion leaves is not compared.
SUCCESS_ERRNO = re.compile(r" errno=\S+$")


def success_errno_fix(k, u):
    if SUCCESS_ERRNO.search(k):
        return SUCCESS_ERRNO.sub("", k), SUCCESS_ERRNO.sub("", u)
    return k, u


def compare(spec, ops, kr, ur, ignore=(), selftest=False, R="", user=False):
    v = Verdict()
    allow = Allow(spec, None, kr, ur, [(i, R + "/" + un.merged)
                                       for i, un in enumerate(spec.unions)])
    for side in ([kr, ur] if selftest else [kr]):
        side.ops = [kernel_fix(l) for l in side.ops]
        side.tree = [kernel_fix(l) for l in side.tree
                     if not KERNEL_TREE_DROP.match(l)]
    for side in (kr, ur):
        side.ops = [ignore_fix(l, ignore) for l in side.ops]
        side.tree = [ignore_fix(l, ignore) for l in side.tree]
        if user:
            side.ops = [user_fix(l) for l in side.ops]
            side.tree = [user_fix(l) for l in side.tree]
    if kr.lowers_changed:
        v.ok = False
        v.sig = ("harness",)
        v.text.append("HARNESS: the kernel side changed a lower: " +
                      " | ".join(kr.lowers_changed))
        return v
    if ur.lowers_changed:
        # the worst: checked first, so that shrinking keeps to it
        v.ok = False
        v.sig = ("lowers",)
        v.klass = "lowers changed"
        v.text.append("libunion changed a lower: " +
                      " | ".join(ur.lowers_changed))
        return v
    n = max(len(kr.ops), len(ur.ops))
    for i in range(n):
        k = kr.ops[i] if i < len(kr.ops) else "(nothing)"
        u = ur.ops[i] if i < len(ur.ops) else "(nothing)"
        k, u = success_errno_fix(k, u)
        if k != u:
            if allow.line(k, u):
                v.allowed.append("op %d: %s | %s" % (i + 1, k, u))
                continue
            v.ok = False
            v.index = i
            v.op = ops[i] if i < len(ops) else "exit"
            opname = ops[i].split()[0] if i < len(ops) else "exit"
            v.sig = ("op", opname)
            v.klass = "op %s: kernel %s, libunion %s" % (
                opname, k.split(" => ")[-1][:60], u.split(" => ")[-1][:60])
            v.text.append("first differing op #%d:" % (i + 1))
            v.text.append("  kernel:   %s" % k)
            v.text.append("  libunion: %s" % u)
            if ur.err:
                v.text.append("  libunion stderr: %s" % ur.err.strip()[:500])
            return v
    kt = [l for l in kr.tree]
    ut = [l for l in ur.tree]
    if kt != ut:
        d = list(difflib.unified_diff(kt, ut, "kernel", "libunion",
                                      lineterm="", n=0))
        real = []
        minus = [l[1:] for l in d if l.startswith("-") and
                 not l.startswith("---")]
        plus = [l[1:] for l in d if l.startswith("+") and
                not l.startswith("+++")]
        def union_of(lines):
            """the union index of each tree line (`== i` headers)"""
            cur, out = 0, {}
            for l in lines:
                if l.startswith("== "):
                    cur = int(l[3:])
                out[l] = cur
            return out
        kun = union_of(kt)
        if len(minus) == len(plus) and all(
                allow.line(a, b, kun.get(a)) for a, b in zip(minus, plus)):
            v.allowed += ["tree: %s | %s" % (a, b)
                          for a, b in zip(minus, plus)]
        else:
            real = d
        if real:
            v.ok = False
            v.sig = ("tree",)
            v.klass = "tree: " + tree_class(minus, plus)
            v.text.append("the merged trees differ (- kernel, + libunion):")
            v.text += ["  " + l for l in real[:40]]
            if ur.err:
                v.text.append("  libunion stderr: %s" % ur.err.strip()[:500])
            return v
    return v


def tree_class(minus, plus):
    """What differs between the kernel's and libunion's tree lines."""
    import re
    km = {l.split(" ")[0]: l for l in minus}
    um = {l.split(" ")[0]: l for l in plus}
    out = set()
    for p in set(km) | set(um):
        if p not in um:
            out.add("entry missing")
            continue
        if p not in km:
            out.add("extra entry")
            continue
        a, b = km[p].split(" "), um[p].split(" ")
        if a[1] != b[1]:
            out.add("type %s->%s" % (a[1], b[1]))
            continue
        def fields(t):
            d = {}
            for i, x in enumerate(t[1:]):
                if "=" in x:
                    d[x.split("=")[0]] = x
                else:
                    d["#%d" % i] = x
            return d
        fa, fb = fields(a), fields(b)
        for key in sorted(set(fa) | set(fb)):
            if fa.get(key) != fb.get(key):
                name = {"#1": "mode", "#2": "owner"}.get(key, key)
                if name == "mtime":
                    out.add("%s mtime %s->%s" % (a[1], "new" if "new" in
                            fa.get(key, "") else "old", "new" if "new" in
                            fb.get(key, "") else "old"))
                else:
                    out.add("%s %s" % (a[1], name))
    return ", ".join(sorted(out))


def run_pair(env, spec, ops, R, keep=False):
    kr = run_side(env, spec, ops, R, True, R + ".kernel" if keep else None)
    ur = run_side(env, spec, ops, R, env.selftest,
                  R + ".union" if keep else None)
    return compare(spec, ops, kr, ur, env.ignore, env.selftest, R,
                   env.user), kr, ur


# ----------------------------------------------------------------------
# Shrinking

def ddmin(items, fails):
    """Zeller's ddmin: a 1-minimal sublist of items for which fails()."""
    n = 2
    while len(items) >= 2:
        chunk = max(1, len(items) // n)
        parts = [items[i:i + chunk] for i in range(0, len(items), chunk)]
        reduced = False
        for i in range(len(parts)):
            comp = [x for j, p in enumerate(parts) if j != i for x in p]
            if fails(comp):
                items = comp
                n = max(n - 1, 2)
                reduced = True
                break
        if not reduced:
            if n >= len(items):
                break
            n = min(len(items), 2 * n)
    if len(items) == 1 and fails([]):
        return []
    return items


def shrink(env, spec, ops, R, sig, log):
    count = [0]

    def fails_ops(sub):
        count[0] += 1
        v, _, _ = run_pair(env, spec, sub, R)
        return not v.ok and v.sig == sig

    ops2 = ddmin(list(ops), fails_ops)
    log("  shrunk the operations %d -> %d (%d runs)" %
        (len(ops), len(ops2), count[0]))
    # then the layer entries, one layer at a time, as (layer, index) pairs
    flat = [(L, i) for L in spec.entries for i in range(len(spec.entries[L]))]

    def spec_of(sub):
        s = spec.copy()
        keep = set(sub)
        s.entries = {L: [e for i, e in enumerate(spec.entries[L])
                         if (L, i) in keep] for L in spec.entries}
        return s

    def fails_layers(sub):
        count[0] += 1
        v, _, _ = run_pair(env, spec_of(sub), ops2, R)
        return not v.ok and v.sig == sig

    flat2 = ddmin(flat, fails_layers)
    spec2 = spec_of(flat2)
    # drop the entries that live_entries would skip anyway
    spec2.entries = {L: live_entries(spec2, L) for L in spec2.entries}
    # then plainer entries: default mode, root's, no xattrs, small
    for L in spec2.entries:
        for i, e in enumerate(spec2.entries[L]):
            plain = dict(e)
            if e["kind"] in "fdp":
                plain.update(mode=0o755 if e["kind"] == "d" else 0o644)
            if e["kind"] in "fdlpw":
                plain.update(uid=0, gid=0, mtime=T_LAYER * 10 ** 9)
            if "xattrs" in e:
                plain["xattrs"] = {}
            if e["kind"] == "f":
                plain["size"] = min(e["size"], 10)
            if plain == e:
                continue
            old = spec2.entries[L][i]
            spec2.entries[L][i] = plain
            count[0] += 1
            v, _, _ = run_pair(env, spec2, ops2, R)
            if v.ok or v.sig != sig:
                spec2.entries[L][i] = old
    log("  shrunk the layers %d -> %d entries (%d runs in all)" %
        (len(flat), spec2.count(), count[0]))
    return spec2, ops2


# ----------------------------------------------------------------------
# The reproducer script

def repro_script(spec, ops, seed, layout, text, R=None, user=False):
    q = shlex.quote
    if R:
        text = [t.replace(R, "$R") for t in text]
    L = []
    w = L.append
    w("#!/bin/bash")
    w("# difftest reproducer: seed %d, layout %s%s." % (
        seed, layout, ", as uid %d who owns the layers" % USER_ID
        if user else ""))
    for t in text:
        w("#   " + t)
    w("# Runs the operations over a kernel overlay mount, then under "
      "libunion, on")
    w("# identical layers at the same path, and diffs what they print.")
    w("set -u")
    w('HERE=$(cd "$(dirname "$0")" && pwd)')
    w('for DRIVER in "${DRIVER:-}" "$HERE/driver" "$HERE/../driver" %s; do'
      % os.path.join(HERE, "driver"))
    w('\t[ -x "$DRIVER" ] && break; done')
    w('LIBUNION=${LIBUNION:-%s}' % os.path.join(TOP, "preload/.libs/"
                                                  "libunion.so"))
    w('[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }')
    w('T=$(mktemp -d /tmp/difftest-repro.XXXXXX); R=$T/r')
    w('mkf() { if [ "$2" = 0 ]; then : >"$1"; '
      'else yes "$3" | head -c "$2" >"$1"; fi; }')
    w("build() {")
    w('\trm -rf "$R"; mkdir -p "$R/cwd"')
    dirs = []
    for un in spec.unions:
        dirs += un.layers()
    w("\tmkdir -p %s" % " ".join('"$R/%s"' % d for d in dirs))
    w('\tif [ "$1" = kernel ]; then mkdir -p %s; fi' % " ".join(
        '"$R/%s" "$R/%s"' % (un.work, un.merged) for un in spec.unions))
    touches = []
    for Ld, _ in spec.entries.items():
        for e in live_entries(spec, Ld):
            p = '"$R"/%s' % q(Ld + "/" + e["path"])
            k = e["kind"]
            if k == "f":
                w("\tmkf %s %d %s" % (p, e["size"], q(e["label"])))
            elif k == "d":
                w("\tmkdir %s" % p)
                if e.get("opaque"):
                    w("\tsetfattr -n %s -v y %s" % (opaque_xattr(user), p))
            elif k == "l":
                t = e["target"]
                for i, un in enumerate(spec.unions):
                    t = t.replace("{M%d}" % i, "$R/" + un.merged)
                w('\tln -s "%s" %s' % (t, p))
            elif k == "h":
                w('\tln "$R"/%s %s' % (q(Ld + "/" + e["target"]), p))
                continue
            elif k == "w":
                w("\tmknod %s c 0 0" % p)
            elif k == "p":
                w("\tmkfifo %s" % p)
            for n, val in sorted(e.get("xattrs", {}).items()):
                w("\tsetfattr -h -n %s -v %s %s" % (n, q(val), p))
            if (e["uid"], e["gid"]) != (0, 0):
                w("\tchown -h %d:%d %s" % (e["uid"], e["gid"], p))
            if k in "fdp":
                w("\tchmod %o %s" % (e["mode"], p))
            touches.append((p, e["mtime"]))
    for p, t in touches:
        w("\ttouch -h -d @%d.%09d %s" % (t // 10 ** 9, t % 10 ** 9, p))
    w("\ttouch -h -d @%d %s" % (T_LAYER, " ".join('"$R/%s"' % d
                                                   for d in dirs)))
    if user:
        w('\tchown -hR %d:%d "$R/cwd" %s' % (USER_ID, USER_ID, " ".join(
            '"$R/%s"' % d for d in dirs)))
    w("}")
    lows = " ".join(lo for un in spec.unions for lo in un.lowers)
    w("# the state of the lowers (libunion must never change them)")
    w('lowers() { (cd "$R" && find %s -printf "%%p %%y %%m %%U:%%G %%s '
      '%%T@ %%l\\n" && find %s -type f -exec sha1sum {} + && '
      'getfattr -R -h -d -m - %s 2>/dev/null) | sort; }' % (lows, lows, lows))
    w("cat >$T/ops <<EOF")
    for o in ops:
        s = o.replace("{R}", "$R")
        for i, un in enumerate(spec.unions):
            s = s.replace("{M%d}" % i, "$R/" + un.merged)
        w(s)
    w("EOF")
    roots = " ".join('"$R/%s"' % un.merged for un in spec.unions)
    w("build kernel")
    for un in spec.unions:
        opts = kernel_opts(un, "$R", user).replace("$R", "'\"$R\"'")
        w("mount -t overlay overlay -o '%s' \"$R/%s\"" % (opts, un.merged))
    rr = " ".join('-r "$R/%s"' % un.merged for un in spec.unions)
    # as the user: the operations (the library loaded after setpriv); the
    # trees are listed as root
    who = " ".join(SETPRIV) + " " if user else ""
    w('(cd "$R/cwd" && %s"$DRIVER" %s $T/ops) >$T/kernel.out 2>&1'
      % (who, rr))
    # listed from a fresh mount (remount() says why)
    for un in reversed(spec.unions):
        w('umount "$R/%s"' % un.merged)
    for un in spec.unions:
        opts = kernel_opts(un, "$R", user).replace("$R", "'\"$R\"'")
        w("mount -t overlay overlay -o '%s' \"$R/%s\"" % (opts, un.merged))
    w('(cd "$R/cwd" && "$DRIVER" --list %s) >>$T/kernel.out 2>&1' % roots)
    for un in reversed(spec.unions):
        w('umount "$R/%s"' % un.merged)
    w("build union")
    w("lowers >$T/lowers.before")
    ul = ";".join("$R/%s=%s:%s" % (
        un.merged, "" if un.readonly else "$R/" + un.upper, ":".join(
            "$R/" + lo for lo in un.lowers)) for un in spec.unions)
    w('UL="%s"' % ul)
    w('PRE="${UN_PRELOAD_FIRST:+$UN_PRELOAD_FIRST }$LIBUNION"')
    w('(cd "$R/cwd" && %senv UNION_LAYERS="$UL" LD_PRELOAD="$PRE" '
      '"$DRIVER" %s $T/ops; UNION_LAYERS="$UL" LD_PRELOAD="$PRE" '
      '"$DRIVER" --list %s) >$T/union.out 2>&1' % (who, rr, roots))
    w("lowers >$T/lowers.after")
    w('rc=0')
    w('diff -u --label kernel $T/kernel.out --label libunion $T/union.out '
      '|| rc=1')
    w('diff -u --label "lowers before" $T/lowers.before --label '
      '"lowers after (libunion)" $T/lowers.after || '
      '{ echo "LIBUNION CHANGED A LOWER"; rc=1; }')
    w('[ $rc = 0 ] && echo "SAME (fixed?)"')
    w('rm -rf "$T"')
    w("exit $rc")
    return "\n".join(L) + "\n"


# ----------------------------------------------------------------------
# The known mismatches (--known FILE)

def held_removed(ops):
    """`cwdgone` when a random operation removed (or renamed) the cwd or
    a directory above it, `fdgone` the same for the directory of a
    descriptor in slot 6 or 7 (lexically, as the generator named them)."""
    def norm(base, p):
        if not p.startswith("{M"):
            if base is None:
                return None
            p = base + "/" + p
        return os.path.normpath(p)

    cwd, fds, out = None, {}, set()
    for o in ops:
        w = o.split()
        if w[0] == "chdir" and len(w) > 1:
            cwd = norm(cwd, w[1])
        elif w[0] == "fchdir":
            cwd = None
        elif w[0] == "open" and len(w) > 3 and w[1] in "67":
            fds[w[1]] = norm(cwd, w[2])
        gone = None
        if w[0] in ("rmdir", "rename", "renameat2") and len(w) > 1:
            gone = norm(cwd, w[1])
        elif w[0] in ("unlinkat", "renameat") and len(w) > 2 and w[1] == "cwd":
            gone = norm(cwd, w[2])
        if gone:
            if cwd and (cwd == gone or cwd.startswith(gone + "/")):
                out.add("cwdgone")
            for d in fds.values():
                if d and (d == gone or d.startswith(gone + "/")):
                    out.add("fdgone")
    return out


def merged_entries(spec):
    """The entries of the merged views of spec's layers: {M<i>}/PATH ->
    (n, entry), from the topmost layer that has PATH (a whiteout, or any
    other kind of entry, hides the lower ones), n its number in the
    union's layers (0 the upper of a writable union)."""
    out = {}
    if spec is None:
        return out
    for i, un in enumerate(spec.unions):
        for n, L in enumerate(un.layers()):
            for e in live_entries(spec, L):
                out.setdefault("{M%d}/%s" % (i, e["path"]), (n, e))
    return out


def layer_symlinks(spec):
    """The symlinks of the merged views (merged_entries): path -> target."""
    return {p: e["target"] for p, (_, e) in merged_entries(spec).items()
            if e["kind"] == "l"}


def lower_fifos(spec):
    """The paths of the merged views (merged_entries) that are fifos of a
    lower of a writable union (a change copies them up)."""
    return {p for p, (n, e) in merged_entries(spec).items()
            if e["kind"] == "p" and n > 0 and
            not spec.unions[int(p[2:p.index("}")])].readonly}


def resolve_links(p, links):
    """p (a normalized {M<i>}/... path) with its symlinks (links, as
    layer_symlinks) followed, its last name too; None when it leads
    outside the merged views or loops."""
    if p is None or not p.startswith("{M"):
        return None
    head, _, rest = p.partition("/")
    todo = [c for c in rest.split("/") if c]
    cur, hops = [], 0
    while todo:
        c = todo.pop(0)
        if c == ".":
            continue
        if c == "..":
            if not cur:
                return None  # (above MERGED: not one of the roots)
            cur.pop()
            continue
        cand = "/".join([head] + cur + [c])
        t = links.get(cand)
        if t is None:
            cur.append(c)
            continue
        hops += 1
        if hops > 40:
            return None
        if t.startswith("{M"):
            head, _, trest = t.partition("/")
            cur = []
            todo = [x for x in trest.split("/") if x] + todo
        elif t.startswith("/") or t.startswith("{R}"):
            return None
        else:
            todo = [x for x in t.split("/") if x] + todo
    return "/".join([head] + cur)


def lexical_at(base, p):
    """p (an operation's path) joined to base, the directory it is
    relative to, and normalized lexically ({M<i>}/... paths); None when
    base is unknown or p is absolute outside the merged views."""
    if p.startswith("{M"):
        return os.path.normpath(p)
    if base is None or p.startswith("/"):
        return None
    return os.path.normpath(base + "/" + p)


class Dirs:
    """The cwd and the directories of the descriptors (slot -> path) of
    an operation sequence, as follow_dirs tracks them; at(base, p) joins
    a path to a directory (lexical_at, or one that follows symlinks)."""

    def __init__(self, at):
        self.at = at
        self.cwd = None
        self.fds = {}

    def base(self, dirfd):
        """The directory a *at call's dirfd argument names."""
        return self.cwd if dirfd == "cwd" else self.fds.get(dirfd)

    def path(self, p):
        """p relative to the cwd."""
        return self.at(self.cwd, p)

    def path_at(self, dirfd, p):
        """p relative to dirfd ("cwd" or a slot)."""
        return self.at(self.base(dirfd), p)


# The operations that move the cwd or a descriptor's directory.
MOVES = ("chdir", "fchdir", "open", "openat", "creat")


def mark_failed(ops, kops):
    """ops with the first word of each of MOVES that failed on the kernel
    side (kops: the kernel's result lines, one an operation) marked with
    a trailing `!`: follow_dirs then keeps the cwd where it was (a failed
    chdir) and empties the slot (the driver's failed open), where the
    tags read the path lexically as if each succeeded (user seed
    two:1247 at --ops 120: a chdir that failed).  One the kernel's
    driver did not play (ESCAPES) becomes `skipped ...`."""
    out = []
    for i, o in enumerate(ops):
        w = o.split(" ", 1)
        # (An operation the driver's escape guard kept from the kernel
        # (ESCAPES) did nothing there: no tag reads it.  Root seed
        # two:4726 at --ops 120: `open 1 ../empty` not played, slot 1
        # still on the removed directory its fchown then copied up.)
        if i < len(kops) and kops[i].endswith(" => ESCAPES"):
            out.append("skipped " + o)
            continue
        if (w[0] in MOVES and i < len(kops) and
                re.search(r" => -1 [A-Z]+$", kops[i])):
            o = w[0] + "!" + (" " + w[1] if len(w) > 1 else "")
        out.append(o)
    return out


def follow_dirs(ops, at=lexical_at):
    """Each operation's words, with the Dirs as they stand after it:
    chdir, fchdir, open, openat and close move the cwd and the
    descriptors' directories (the other operations leave them).  An
    operation mark_failed marked moves nothing (a failed open empties its
    slot); its words are yielded without the mark."""
    d = Dirs(at)
    for o in ops:
        w = o.split()
        if w[0].endswith("!"):
            w[0] = w[0][:-1]
            if w[0] in ("open", "openat", "creat") and len(w) > 1:
                d.fds.pop(w[1], None)
            yield w, d
            continue
        if w[0] == "chdir" and len(w) > 1:
            d.cwd = d.path(w[1])
        elif w[0] == "fchdir" and len(w) > 1:
            d.cwd = d.fds.get(w[1])
        elif w[0] == "open" and len(w) > 2:
            d.fds[w[1]] = d.path(w[2])
        elif w[0] == "openat" and len(w) > 3:
            d.fds[w[1]] = d.path_at(w[2], w[3])
        elif w[0] == "close" and len(w) > 1:
            d.fds.pop(w[1], None)
        yield w, d


def root_unsearchable(ops, spec=None):
    """`rootnox` when a `chmod` left a MERGED root without its owner's
    search permission (lexically, as held_removed reads paths): the one
    case README's "Known limits" names, where the library, running with
    the user's credentials, cannot reach the upper any more.  The root
    may be named by a path, or by a descriptor opened on it (open,
    openat, fchmod, fchmodat, fchdir: seed absent:410 as the user), or
    by a symlink to it, of the layers (spec) or made by an operation
    (symlink, symlinkat; user seed inplace:992: chmod of a/c -> ..)."""
    links = layer_symlinks(spec)

    def at(base, p):
        p = lexical_at(base, p)
        return p and (resolve_links(p, links) or p)

    nox = set()
    for w, d in follow_dirs(ops, at):
        target = mode = None
        if w[0] == "symlink" and len(w) > 2:
            p = lexical_at(d.cwd, w[2])
            if p:
                links[p] = w[1]
        elif w[0] == "symlinkat" and len(w) > 3:
            p = lexical_at(d.base(w[2]), w[3])
            if p:
                links[p] = w[1]
        elif w[0] == "unlink" and len(w) > 1:
            p = lexical_at(d.cwd, w[1])
            if p:
                links.pop(p, None)
        elif w[0] == "chmod" and len(w) > 2:
            target, mode = d.path(w[1]), w[2]
        elif w[0] == "fchmod" and len(w) > 2:
            target, mode = d.fds.get(w[1]), w[2]
        elif w[0] == "fchmodat" and len(w) > 3:
            target, mode = d.path_at(w[1], w[2]), w[3]
        if target and re.fullmatch(r"\{M\d+\}", target):
            try:
                m = int(mode, 8)
            except ValueError:
                continue
            if m & 0o100:
                nox.discard(target)
            else:
                nox.add(target)
    return {"rootnox"} if nox else set()


def fifo_linked(ops, spec):
    """`fifolink` when a hard link was made of a lower fifo of a writable
    union (link, linkat).  The overlay a user mounts (userxattr) records
    no origin for a fifo: the fifo's overlay inode, hashed by its lower
    inode before the link's copy-up, stays another inode than the new
    name's (hashed by the upper inode) while the kernel holds it, and a
    fifo's pipe is its overlay inode's: two pipes for one fifo, a reader
    of one name sees no writer of the other (user seed inplace:2021 at
    --ops 120: read n=0 where a fresh mount, and the library, answer
    EAGAIN; checked by hand: the same operations after a remount answer
    EAGAIN).  Lexical, as copied_over."""
    fifos = lower_fifos(spec)
    if not fifos:
        return set()
    for w, d in follow_dirs(ops):
        if ((w[0] == "link" and len(w) > 2 and d.path(w[1]) in fifos) or
                (w[0] == "linkat" and len(w) > 4 and
                 d.path_at(w[1], w[2]) in fifos)):
            return {"fifolink"}
    return set()


def copied_over(ops, spec=None):
    """The names where the kernel's copy-up of an object held by a
    descriptor (or the cwd) landed over another object put there since,
    by tag; the kernel's dentry of such a name keeps showing the replaced
    object while it stays in the kernel's cache (ENOENT below it, nlink
    0), a state of memory, not of the layers: the library's name shows
    the copy, as a fresh mount does (remount() lists the kernel's tree
    from one for that reason).  Lexical, as held_removed.

    - overnew: a change through a removed directory (a descriptor or the
      cwd held on it, by f* calls or by ".") came after a directory was
      made at its name: the kernel copies the removed one up over the
      new one (user seed absent:616; root seeds absent:1077,
      inplace:1089, two:1247 at --ops 120);
    - fifoover: a change through a descriptor held on a lower fifo came
      after a rename replaced the fifo's name: the copy-up lands at the
      name, over the renamed object (root seed two:1030 at --ops 120);
    - fifogone: a change through a descriptor held on a lower fifo whose
      name was unlinked, then named again (a lookup: the kernel's
      negative dentry), nothing made there: the copy-up lands at the
      name (over the whiteout: found/42, 43), which the negative dentry
      hides from lookups and listings (ovl_cache_update takes it for a
      whiteout) until it leaves the cache; a fresh mount, and the
      library, show the copy (user seed two:4253 at --ops 120, checked
      by hand after a remount).  The naming comes before the copy-up
      here: stale_tree takes its names without one after."""
    fdchange = ("fchmod", "fchown", "futimens", "fsetxattr", "fremovexattr")
    atchange = ("fchmodat", "fchownat", "utimensat")
    pathchange = ("chmod", "chown", "lchown", "setxattr", "lsetxattr",
                  "removexattr", "lremovexattr")
    fifos = lower_fifos(spec)
    removed, remade = set(), set()
    fifo_fds, replaced = {}, {}     # slot -> the fifo's path
    unlinked = {}   # a held fifo's path unlinked -> named again since
    out = {"overnew": set(), "fifoover": set(), "fifogone": set()}
    for w, d in follow_dirs(ops):
        held = None
        if unlinked:
            fifo_named(w, d, unlinked)
        if w[0] in ("open", "openat", "close") and len(w) > 1:
            fifo_fds.pop(w[1], None)
            replaced.pop(w[1], None)
            if d.fds.get(w[1]) in fifos:
                fifo_fds[w[1]] = d.fds[w[1]]
        if w[0] == "rmdir" and len(w) > 1:
            p = d.path(w[1])
            removed.add(p)
            remade.discard(p)
        elif (w[0] == "unlinkat" and len(w) > 3 and w[3] == "removedir"):
            p = d.path_at(w[1], w[2])
            removed.add(p)
            remade.discard(p)
        elif w[0] in ("mkdir", "mkdirat") and len(w) > 2:
            p = (d.path(w[1]) if w[0] == "mkdir" else
                 d.path_at(w[1], w[2]))
            if p in removed:
                remade.add(p)
        elif w[0] in ("rename", "renameat2", "renameat") and len(w) > 2:
            if w[0] == "renameat":
                a = d.path_at(w[1], w[2])
                b = d.path_at(w[3], w[4]) if len(w) > 4 else None
            else:
                a, b = d.path(w[1]), d.path(w[2])
            if a in unlinked:
                continue    # (a name unlinked, nothing there: it fails)
            # (the names, not the objects, are the fifos' from now on)
            fifos.discard(a)
            fifos.discard(b)
            swap = len(w) > 3 and w[0] == "renameat2" and "exchange" in w[3]
            for slot, f in list(fifo_fds.items()):
                if f == b and not swap:
                    replaced[slot] = f
                    del fifo_fds[slot]
                elif f == a or (f == b and swap):
                    fifo_fds[slot] = b if f == a else a
        elif (w[0] == "unlink" or (w[0] == "unlinkat" and len(w) < 4)) \
                and len(w) > 1:
            p = d.path(w[1]) if w[0] == "unlink" else (
                d.path_at(w[1], w[2]) if len(w) > 2 else None)
            if p in fifo_fds.values():
                unlinked[p] = False
        elif w[0] in fdchange and len(w) > 1:
            held = d.fds.get(w[1])
            if w[1] in replaced:
                out["fifoover"].add(replaced.pop(w[1]))
            elif unlinked.get(fifo_fds.get(w[1])):
                out["fifogone"].add(fifo_fds[w[1]])
            fifo_fds.pop(w[1], None)    # (copied up: the upper's now)
        elif w[0] in atchange and len(w) > 2 and w[2] in (".", ""):
            held = d.base(w[1])
        elif w[0] in pathchange and len(w) > 1 and w[1] == ".":
            held = d.cwd
        if held and held in remade:
            out["overnew"].add(held)
    return out


def fifo_named(w, d, unlinked):
    """copied_over's fifogone: an operation (its words w, Dirs d) names
    an unlinked fifo's path by a path (as names_stale reads them; a
    descriptor alone looks nothing up): a lookup of it (True), or a
    creation there (forgotten: the name holds something again, not this
    class)."""
    cands = {d.path(a) for a in w[1:]}
    for k in (1, 2, 3):
        if k + 1 < len(w) and (w[k] == "cwd" or w[k].isdigit()):
            cands.add(d.path_at(w[k], w[k + 1]))
    hit = {p for p in unlinked if p in cands}
    if not hit:
        return
    makes = w[0] in ("mkdir", "mkdirat", "mkfifo", "mkfifoat", "mknod",
                     "mknodat", "symlink", "symlinkat", "link", "linkat",
                     "creat") or (
        w[0] in ("open", "openat") and "creat" in " ".join(w[2:]))
    for p in hit:
        if w[0] in ("rename", "renameat", "renameat2"):
            # (only the first name is looked up, the second made)
            if w[0] == "renameat":
                src = d.path_at(w[1], w[2]) if len(w) > 2 else None
            else:
                src = d.path(w[1]) if len(w) > 1 else None
            exch = w[0] == "renameat2" and len(w) > 3 and "exchange" in w[3]
            makes = src != p or exch
        if makes:
            del unlinked[p]
        else:
            unlinked[p] = True


# The arguments that name a descriptor slot or `cwd`: the first of these
# calls (f*, *at, the I/O on a slot), the third of renameat and linkat,
# the second of symlinkat.
SLOT_OPS = ("read", "pread", "write", "pwrite", "lseek", "close", "fdls",
            "fdcat", "flock")


def stale_tree(spec, ops, text):
    """Whether the lines of a tree difference (text, as compare() writes
    it) are all of names copied_over found, or of paths below them, and
    an operation named one after the copy-up: a change the kernel made
    through its stale dentry reached the replaced object, not what a
    fresh mount (remount()) lists (root seed absent:1771 at --ops 120:
    a chmod of the name after overnew)."""
    rels = set()
    for l in text:
        m = re.match(r"^  [-+]\./(\S+) ", l)
        if m:
            rels.add(m.group(1))
        elif re.match(r"^  [-+](?![-+])", l):
            return False    # (a line of no entry: not this class)
    if not rels:
        return False
    # (fifogone's names were named before the copy-up: copied_over)
    gone = copied_over(ops, spec)["fifogone"]
    grel = {n.split("/", 1)[1] for n in gone if "/" in n}
    if grel and all(any(r == n or r.startswith(n + "/") for n in grel)
                    for r in rels):
        return True
    named = False
    for j in range(1, len(ops)):
        names = set().union(*copied_over(ops[:j], spec).values())
        if names and names_stale(ops, j, names):
            named = names
            break
    if not named:
        return False
    nrel = {n.split("/", 1)[1] for n in named if "/" in n}
    return all(any(r == n or r.startswith(n + "/") for n in nrel)
               for r in rels)


def names_stale(ops, i, names):
    """Whether operation i of ops names one of names (copied_over's) or a
    path below one: by a path, relative to the cwd or to a descriptor, or
    by a descriptor opened on it since."""
    if not names or i is None or i >= len(ops):
        return False
    d = None
    for w, d in follow_dirs(ops[:i + 1]):
        pass
    slots = set()
    if w[0].startswith("f") or w[0].endswith("at") or w[0] in SLOT_OPS or \
            w[0] == "renameat2":
        slots.add(1)
    if w[0] in ("renameat", "linkat"):
        slots.add(3)
    if w[0] == "symlinkat":
        slots.add(2)
    cands = [d.path(a) for a in w[1:]]
    # (A path by '.' or '..' starts its walk at the cwd's dentry, whose
    # search permission is the replaced object's: user seed absent:2242
    # at --ops 120, `symlink loop1 ../loop1` from a cwd held on such a
    # name, EACCES in libunion where the kernel's stale one lets it by.)
    if w[0] == "getcwd" or any(a == "." or a.startswith(("./", "../")) or
                               a == ".." for a in w[1:]):
        cands.append(d.cwd)
    for k in slots:
        if k < len(w) and (w[k] == "cwd" or w[k].isdigit()):
            cands.append(d.base(w[k]))
            if k + 1 < len(w):
                cands.append(d.path_at(w[k], w[k + 1]))
    return any(c and (c == n or c.startswith(n + "/"))
               for c in cands for n in names)


def signature(env, spec, layout, tags, v, ops):
    """What a known-list line is matched against: who ran, the layout,
    whether a union is read-only, the ingredient that made the first
    differing operation (at=, `-` for a plain random one or for a tree or
    lower difference), the ingredients played before it (before=), and the
    class of the difference."""
    i = v.index
    at = tags[i] if i is not None and i < len(tags) else "-"
    before = set(tags[:i] if i is not None else tags) - {"-"}
    before |= held_removed(ops[:i] if i is not None else ops)
    before |= root_unsearchable(ops[:i] if i is not None else ops, spec)
    before |= fifo_linked(ops[:i] if i is not None else ops, spec)
    over = copied_over(ops[:i] if i is not None else ops, spec)
    before |= {tag for tag, names in over.items() if names}
    # (onstale: the differing operation names such a name, or the tree
    # differs only there after an operation named it: stale_tree)
    names = set().union(*over.values())
    if names_stale(ops, i, names) or (
            i is None and v.sig == ("tree",) and
            stale_tree(spec, ops, v.text)):
        before.add("onstale")
    before = sorted(before)
    op = v.op if i is not None else "-"
    return "as=%s layout=%s ro=%s at=%s before=%s op=%s | %s" % (
        "user" if env.user else "root", layout,
        "yes" if any(un.readonly for un in spec.unions) else "no", at,
        ",".join(before) or "-", op, v.klass)


def load_known(path):
    """The known-list: `ITEM REGEX` lines (# comments), REGEX searched in
    a mismatch's signature.  The item is issue 11's item it belongs to."""
    out = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip() if not line.lstrip(
            ).startswith("#") else ""
            if not line:
                continue
            item, _, rx = line.partition(" ")
            try:
                out.append((item, re.compile(rx.strip()), rx.strip()))
            except re.error as ex:
                sys.exit("difftest: %s:%d: bad regex: %s" % (path, n, ex))
    return out


def known_item(env, sig):
    for item, rx, _ in env.known:
        if rx.search(sig):
            return item
    return None


# ----------------------------------------------------------------------
# One seed

def seed_case(seed, layout, nops, plain=False, extra=True):
    """The layers, the operations and their tags (the ingredient that made
    each) of a seed.  extra: the ingredients of issue 11 (not --classic,
    which is the stream of cases of before them)."""
    rng = random.Random("%s:%d%s%s" % (layout, seed,
                                       ":plain" if plain else "",
                                       ":issue11" if extra else ""))
    spec = gen_layers(rng, layout, plain, extra)
    g = OpGen(rng, spec, plain, extra)
    ops = g.gen(nops)
    return spec, ops, g.tags


def run_seed(args_tuple):
    (env, seed, layout, nops, base, keep, do_shrink, repro_dir,
     plain) = args_tuple
    R = os.path.join(base, "%s-%d" % (layout, seed), "r")
    os.makedirs(os.path.dirname(R), exist_ok=True)
    os.chmod(os.path.dirname(R), 0o755)  # the user must reach R
    logs = []
    log = logs.append
    t0 = time.time()
    spec, ops, tags = seed_case(seed, layout, nops, plain, env.extra)
    try:
        v, kr, ur = run_pair(env, spec, ops, R, keep)
    except Exception as ex:  # the harness itself failed
        return dict(seed=seed, layout=layout, ok=False, harness=True,
                    text=["HARNESS ERROR: %r" % ex], sig=("harness",),
                    logs=logs, allowed=[], time=time.time() - t0)
    out = dict(seed=seed, layout=layout, ok=v.ok, harness=False,
               klass=v.klass,
               text=v.text, sig=v.sig, logs=logs, allowed=v.allowed,
               time=0)
    if not v.ok:
        out["where"] = signature(env, spec, layout, tags, v,
                                 mark_failed(ops, kr.ops))
        out["known"] = known_item(env, out["where"])
        if out["known"] and not env.shrink_known:
            do_shrink = False
    if not v.ok and v.sig != ("harness",) and do_shrink:
        try:
            spec2, ops2 = shrink(env, spec, ops, R, v.sig, log)
            v2, _, _ = run_pair(env, spec2, ops2, R)
            out["shrunk_ops"] = [subst(o, "$R", spec2) for o in ops2]
            out["shrunk_text"] = [t.replace(R, "$R") for t in v2.text]
            out["shrunk_klass"] = v2.klass
            out["shrunk_layers"] = [
                "%s/%s %s %s" % (L, e["path"], e["kind"], {
                    k: x for k, x in e.items()
                    if k in ("target", "opaque") and x})
                for L in spec2.entries for e in spec2.entries[L]]
            if repro_dir:
                os.makedirs(repro_dir, exist_ok=True)
                p = os.path.join(repro_dir, "repro-%s%s-%d.sh" % (
                    layout, "-plain" if plain else "", seed))
                with open(p, "w") as f:
                    f.write(repro_script(spec2, ops2, seed, layout, v2.text,
                                         R, env.user))
                os.chmod(p, 0o755)
                out["repro"] = p
        except Exception as ex:
            log("  shrinking failed: %r" % ex)
    if not keep:
        rmtree(os.path.dirname(R))
    out["time"] = time.time() - t0
    return out


def ensure_driver():
    drv = os.environ.get("DIFFTEST_DRIVER") or os.path.join(HERE, "driver")
    src = os.path.join(HERE, "driver.c")
    if (not os.path.exists(drv) or
            (os.path.exists(src) and
             os.path.getmtime(src) > os.path.getmtime(drv))):
        # built under another name and renamed: a tester started at the
        # same moment never runs a half-written driver
        cc = os.environ.get("CC", "cc")
        tmp = "%s.%d.tmp" % (drv, os.getpid())
        r = subprocess.run([cc, "-O2", "-Wall", "-o", tmp, src])
        if r.returncode != 0:
            if os.path.lexists(tmp):
                os.unlink(tmp)
            sys.exit("difftest: cannot build the driver")
        os.replace(tmp, drv)
    return drv


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=None,
                    help="run seeds 1..N (default 20)")
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--seed", type=int, action="append",
                    help="run (replay) this seed (repeatable)")
    ap.add_argument("--ops", type=int, default=60)
    ap.add_argument("--layout", default="absent",
                    choices=list(LAYOUTS) + ["all"])
    ap.add_argument("--keep", action="store_true",
                    help="keep the temporary directories (R.kernel, "
                    "R.union)")
    ap.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--min-seeds", type=int, default=0,
                    help="fail unless at least this many seeds ran in "
                    "each layout")
    ap.add_argument("--time-budget", type=float, default=0,
                    help="start no new seed after this many seconds")
    ap.add_argument("--no-shrink", action="store_true")
    ap.add_argument("--max-print", type=int, default=None,
                    help="print the first N mismatches in full, the "
                    "others one line each")
    ap.add_argument("--max-shrink", type=int, default=None,
                    help="shrink only (about) the first N mismatches")
    ap.add_argument("--repro-dir", default=None,
                    help="write a reproducer script for each mismatch here")
    ap.add_argument("--lib", default=os.environ.get(
        "LIBUNION", os.path.join(TOP, "preload/.libs/libunion.so")))
    ap.add_argument("--tmp", default=os.environ.get("TMPDIR", "/tmp"))
    ap.add_argument("--print-ops", action="store_true",
                    help="print the generated operations of the seed(s)")
    ap.add_argument("--self-test", action="store_true",
                    help="test the harness: both sides on the kernel "
                    "(every seed must pass)")
    ap.add_argument("--ignore", action="append", choices=IGNORES,
                    help="blur a known difference while hunting for "
                    "others (never in CI)")
    ap.add_argument("--plain", action="store_true",
                    help="generate no path tricks (trailing slashes, `.` "
                    "operands, bad descriptors...), to hunt for other bugs "
                    "while those are known; a different stream of cases")
    ap.add_argument("--json", default=None,
                    help="write every mismatch (and its shrunk case) to "
                    "this file as JSON")
    ap.add_argument("--classify", action="store_true",
                    help="group the mismatches by what differs, one line "
                    "per group, instead of printing each")
    ap.add_argument("--as-user", action="store_true",
                    help="play the operations as uid %d (setpriv), who "
                    "owns every layer (the kernel mount stays root's)" %
                    USER_ID)
    ap.add_argument("--classic", action="store_true",
                    help="the cases of before issue 11: none of its "
                    "ingredients (modes 0500 0750 0400 0640, removed "
                    "cwd/directories, `..` at MERGED's top, read-only "
                    "unions, fifos across a copy-up)")
    ap.add_argument("--known", default=None,
                    help="a list of known mismatch classes (ITEM REGEX "
                    "lines, matched against each mismatch's signature): "
                    "those are reported as KNOWN and do not fail the run")
    ap.add_argument("--shrink-known", action="store_true",
                    help="shrink the known mismatches too")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--quiet", "-q", action="store_true")
    args = ap.parse_args()

    if args.print_ops:
        for s in args.seed or range(args.first_seed,
                                    args.first_seed + (args.seeds or 1)):
            for lay in (LAYOUTS if args.layout == "all" else [args.layout]):
                spec, ops, _ = seed_case(s, lay, args.ops, args.plain,
                                         not args.classic)
                print("# seed %d layout %s" % (s, lay))
                for L, es in spec.entries.items():
                    for e in live_entries(spec, L):
                        print("#  %s/%s %s %s" % (L, e["path"], e["kind"], {
                            k: v for k, v in e.items()
                            if k in ("target", "mode", "size", "opaque")}))
                for un in spec.unions:
                    if un.readonly:
                        print("#  %s: read-only (empty UPPER)" % un.merged)
                for o in ops:
                    print(o)
        return 0

    if os.geteuid() != 0:
        print("SKIP: difftest needs root for the kernel overlay")
        return 77
    if not os.path.exists(args.lib):
        print("difftest: libunion is not built: %s" % args.lib)
        return 2
    env = Env(ensure_driver(), os.path.abspath(args.lib), args.verbose,
              selftest=args.self_test, ignore=args.ignore or (),
              user=args.as_user)
    env.extra = not args.classic
    env.known = load_known(args.known) if args.known else []
    env.shrink_known = args.shrink_known
    if env.user and not shutil.which("setpriv"):
        print("SKIP: difftest --as-user needs setpriv (util-linux)")
        return 77
    if env.known:
        print("difftest: KNOWN-LIST %s: mismatches of these classes do NOT "
              "fail this run:" % args.known)
        for item, _, rx in env.known:
            print("difftest:   item %s: %s" % (item, rx))

    layouts = LAYOUTS if args.layout == "all" else [args.layout]
    if args.seed:
        seeds = args.seed
    else:
        seeds = range(args.first_seed, args.first_seed + (args.seeds or 20))
    base = tempfile.mkdtemp(prefix="difftest.", dir=args.tmp)
    os.chmod(base, 0o755)
    # the library and the driver as they are now, for the whole run
    # (see snapshot): a rebuild meanwhile changes nothing here
    tools = os.path.join(base, "tools")
    os.mkdir(tools)
    os.chmod(tools, 0o755)
    try:
        env.driver = snapshot(env.driver, tools, probe_driver(env))
        env.set_lib(snapshot(env.lib, tools, probe_lib(env)))
    except RuntimeError as ex:
        rmtree(base)
        print("difftest: %s" % ex)
        return 2
    # seed-major, so that a time budget cuts every layout alike
    jobs = [(env, s, lay, args.ops, base, args.keep, not args.no_shrink,
             args.repro_dir, args.plain) for s in seeds for lay in layouts]
    shrunk = [0]
    t0 = time.time()
    results = []
    classes = {}
    knowns = {}

    def group(r):
        """--classify's groups: the known item (or ?), the ingredient of
        the differing operation (at=), what differs"""
        if args.classify and r.get("where"):
            w = r["where"]
            return "[item %s] %s %s" % (
                r.get("known") or "?", re.search(r"at=\S+", w).group(0),
                r.get("klass"))
        return r.get("klass")
    fails = 0
    allowed = 0
    harness = 0
    skipped = 0
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as ex:
        pending = set()
        fails_seen = [0]
        it = iter(jobs)
        done_launch = False

        def launch():
            nonlocal done_launch
            if done_launch:
                return False
            if args.time_budget and time.time() - t0 > args.time_budget:
                done_launch = True
                return False
            try:
                j = next(it)
            except StopIteration:
                done_launch = True
                return False
            if args.max_shrink is not None and j[6]:
                # a mismatch can only be known when the job ends: allow
                # shrinking to the first max_shrink jobs that fail, by
                # turning it off once that many mismatches were seen
                if fails_seen[0] >= args.max_shrink:
                    j = j[:6] + (False,) + j[7:]
            pending.add(ex.submit(run_seed, j))
            return True

        for _ in range(max(1, args.jobs)):
            launch()
        while pending:
            for fut in as_completed(list(pending)):
                pending.discard(fut)
                r = fut.result()
                results.append(r)
                if not r["ok"] and r.get("known"):
                    # loud, one line each, never a pass of its item
                    knowns.setdefault(r["known"], []).append(
                        (r["layout"], r["seed"]))
                    classes.setdefault(group(r), []).append(
                        (r["layout"], r["seed"]))
                    if args.verbose:
                        print("  " + r["where"])
                    print("KNOWN (issue 11 item %s, allowed by the known-"
                          "list) seed %d layout %s: %s" % (
                              r["known"], r["seed"], r["layout"],
                              r["klass"]))
                    launch()
                    break
                if not r["ok"]:
                    fails_seen[0] += 1
                if r["allowed"] and r["ok"]:
                    allowed += 1
                if not r["ok"]:
                    classes.setdefault(group(r), []).append(
                        (r["layout"], r["seed"]))
                    if r["harness"]:
                        harness += 1
                if not r["ok"] and (args.classify or
                                    (args.max_print is not None and
                                     fails >= args.max_print)):
                    fails += 1
                    if not args.classify:
                        print("MISMATCH seed %d layout %s: %s" % (
                            r["seed"], r["layout"], r.get("klass")))
                elif not r["ok"]:
                    fails += 1
                    print("MISMATCH seed %d layout %s (%.1fs): replay with "
                          "--seed %d --layout %s" % (
                              r["seed"], r["layout"], r["time"], r["seed"],
                              r["layout"]))
                    for t in r["text"]:
                        print("  " + t)
                    for t in r["logs"]:
                        print(t)
                    if "shrunk_ops" in r:
                        print("  shortest failing sequence (%d ops):" %
                              len(r["shrunk_ops"]))
                        for o in r["shrunk_ops"]:
                            print("    " + o)
                        for t in r.get("shrunk_text", []):
                            print("    | " + t)
                    if "repro" in r:
                        print("  reproducer: %s" % r["repro"])
                    sys.stdout.flush()
                elif args.verbose:
                    print("ok seed %d layout %s (%.2fs)%s" % (
                        r["seed"], r["layout"], r["time"],
                        " allowed: %s" % r["allowed"] if r["allowed"]
                        else ""))
                launch()
                break
    skipped = len(jobs) - len(results)
    if args.json:
        import json
        with open(args.json, "w") as f:
            json.dump([r for r in results if not r["ok"]], f, indent=1,
                      default=str)
    if classes:
        print("difftest: the mismatches grouped by what differs "
              "(count, what, seeds):")
    for k, v in sorted(classes.items(), key=lambda kv: -len(kv[1])):
        print("%4d  %s   e.g. %s" % (len(v), k, " ".join(
            "%s:%d" % x for x in sorted(v)[:6])))
    if not args.keep:
        rmtree(base)
    else:
        print("kept %s" % base)
    per = {}
    for r in results:
        per.setdefault(r["layout"], [0, 0, 0])
        per[r["layout"]][0] += 1
        per[r["layout"]][1] += 0 if r["ok"] or r.get("known") else 1
        per[r["layout"]][2] += 1 if not r["ok"] and r.get("known") else 0
    for lay, (n, f, k) in per.items():
        print("difftest: layout %s: %d seeds x %d ops, %d mismatches%s" %
              (lay, n, args.ops, f, ", %d KNOWN" % k if env.known else ""))
    if env.known:
        print("difftest: ======== KNOWN mismatches, allowed by %s: NOT a "
              "pass ========" % args.known)
        for item in sorted({k[0] for k in env.known}):
            n = len([1 for r in results if not r["ok"] and
                     r.get("known") == item])
            print("difftest:   item %-3s %4d sequence(s)" % (item, n))
        print("difftest: remove an item's lines from %s once its fix is "
              "merged; an item that matched nothing here may be fixed" %
              args.known)
    if args.min_seeds:
        short = [lay for lay in layouts
                 if per.get(lay, [0])[0] < args.min_seeds]
        if short:
            print("difftest: FAIL: fewer than %d seeds ran for %s (time "
                  "budget too small for this machine?)" % (
                      args.min_seeds, ", ".join(short)))
            return 1
    print("difftest: %d seeds run%s, %d mismatches (%d harness errors), "
          "%d KNOWN, %d with allowed differences only, %d not started "
          "(time budget), %.0fs" % (
              len(results), " as uid %d" % USER_ID if env.user else "",
              fails, harness, sum(len(v) for v in knowns.values()),
              allowed, skipped, time.time() - t0))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
