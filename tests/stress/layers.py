#!/usr/bin/env python3
"""layers.py - stacked image layers and the `union` command against the
kernel overlay (session 17).

Each seed makes a stack of 5-20 read-only lowers over a small space of
names (depth <= 3), so that names meet in many layers: files (some with
user.* xattrs, some sparse, some hard-linked inside their layer),
directories (some opaque: overlayfs's xattr), symlinks (chains across
layers), overlayfs whiteouts (0/0 character devices) at any depth, and as
root fifos and devices.  A random script of shell commands (rm, rm -rf,
rmdir, mkdir, echo >, mv, ln, ln -s, chmod, touch, setfattr, truncate)
runs in the merged view under the kernel (a mount over the same lowers)
and under libunion (`union run`); then:

  view     each command's status and the final tree agree (no times);
  diff     `union diff`'s A and D lines are the kernel's tree change (the
           lowers' view before, the kernel's after);
  export   `union export`'s layer applied as an OCI unpacker does
           (tests/tools/oci-apply.py) onto a copy of the lowers' view
           gives the merged view;
  convert  `union convert --to-overlay` of (a copy of) the library's
           upper, mounted by the kernel over the lowers, shows the
           library's view (times too); `--from-overlay` of (a copy of)
           the kernel's upper shows the library the kernel's view;
  commit   `union commit` of (a copy of) the lowers and upper: the lowers
           then show (through the library and the kernel) the view;
  kill     the same commands killed (SIGKILL at a random system call,
           strace's inject, as crash.py does) and run again: meanwhile
           the union shows the same view (commit, convert), and the
           rerun finishes it.

As --as-user: the layers are uid 65534's, who plays the commands (the
kernel mounted by root with userxattr; opaque marks user.overlay.opaque).

    layers.py [--seeds N] [--first-seed S] [--as-user] [--oci] [--kills K]
              [--time-budget S] [--keep] [-v]

(--oci: the lowers are OCI layers, read with UNION_OCI_LOWERS=1 by the
library and the command; the kernel mounts copies converted as the image
spec applies them.  40% of the seeds run libunion's merged path in place
over the top lower.)

Exit status: 0 nothing found, 1 something found, 77 cannot run (not
root, no kernel overlay, no strace), 2 harness error.
"""

import argparse
import hashlib
import json
import os
import random
import shutil
import stat
import subprocess
import sys
import tempfile
import time

from stresslib import (PYTHON, SETPRIV, USER_ID, count_argv, kill_argv,
                       pick_call, private_script, read_counts, rmtree)

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
NAMES = ["a", "b", "c", "d"]
T0 = 1500000000


def sh(argv, **kw):
    return subprocess.run(argv, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, **kw)


# ----------------------------------------------------------------------
# What a tree shows (run as a process under the library for its view)


def describe(top, times=True):
    """path -> its description: type, mode, owner, size, content digest,
    link target, device, nlink of non-directories, user.* xattrs (not
    the overlay's nor the library's own), mtime (seconds; when times)."""
    out = {}

    def walk(rel):
        p = top + ("/" + rel if rel else "")
        try:
            names = sorted(os.listdir(p))
        except PermissionError:
            out[rel] = out.get(rel, []) + ["unlistable"]
            return
        for n in names:
            r = rel + "/" + n if rel else n
            q = top + "/" + r
            try:
                st = os.lstat(q)
            except FileNotFoundError:
                # (the kernel lists a lower's whiteout in a directory
                # of one layer, and looks it up as absent: not judged)
                continue
            except PermissionError:
                out[r] = ["unsearchable"]
                continue
            t = stat.S_IFMT(st.st_mode)
            d = ["%o" % t, "%o" % stat.S_IMODE(st.st_mode),
                 "%d:%d" % (st.st_uid, st.st_gid)]
            if stat.S_ISREG(t):
                try:
                    with open(q, "rb") as f:
                        d.append(hashlib.sha1(f.read()).hexdigest()[:12])
                except OSError as e:
                    d.append("unreadable %d" % e.errno)
                d.append("size=%d" % st.st_size)
            elif stat.S_ISLNK(t):
                d.append(os.readlink(q))
            elif stat.S_ISCHR(t) or stat.S_ISBLK(t):
                d.append("%d:%d" % (os.major(st.st_rdev),
                                    os.minor(st.st_rdev)))
            if not stat.S_ISDIR(t):
                d.append("nlink=%d" % st.st_nlink)
            try:
                xs = sorted(x for x in os.listxattr(q, follow_symlinks=False)
                            if x.startswith("user.") and
                            not x.startswith("user.overlay.") and
                            not x.startswith("user.libunion."))
                for x in xs:
                    d.append("%s=%s" % (x, os.getxattr(
                        q, x, follow_symlinks=False).decode(errors="replace")))
            except OSError:
                pass
            if times and not stat.S_ISLNK(t):
                d.append("mtime=%d" % int(st.st_mtime))
            out[r] = d
            if stat.S_ISDIR(t):
                walk(r)
    walk("")
    return out


# ----------------------------------------------------------------------
# The stack


def nolinks(v):
    """v without link counts: a commit that deletes a hidden twin of a
    lower file changes the count the view shows (as docker's would)."""
    return {k: [x for x in d if not x.startswith("nlink=")]
            for k, d in v.items()}


def dirs_blurred(v, other=None):
    """v without the modes and times of directories, nor what a mode
    hid: what a killed commit or convert may show changed until its
    rerun (the modes it lends itself, the times its changes move: put
    back by the rerun, judged after it)."""
    out = {}
    for k, d in v.items():
        if d[0] == "40000":
            d = [d[0]] + d[2:-1] if d[-1].startswith("mtime=") else \
                [d[0]] + d[2:]
        elif d == ["unsearchable"]:
            continue
        out[k] = [x for x in d if x != "unlistable"]
    # (names below a directory the mode hid, here or in other: not
    # judged either)
    hid = [u for w in (v, other or {}) for u, e in w.items()
           if e == ["unsearchable"] or "unlistable" in e]
    return {k: d for k, d in out.items() if k not in hid and not any(
        k.startswith(u + "/") for u in hid)}


def gen_stack(rng, R, nlow, user, oci=False):
    """Make R/l0 (top) .. R/l{n-1}; returns the list of lower paths and
    every relative path used in any of them.  oci: the markers are OCI
    layers' (.wh.NAME, .wh..wh..opq), else overlayfs's."""
    lowers = []
    used = set()
    opaque_x = "user.overlay.opaque" if user else "trusted.overlay.opaque"

    def opaque(d):
        if oci:
            open(d + "/.wh..wh..opq", "w").close()
        else:
            os.setxattr(d, opaque_x, b"y")

    def whiteout(p):
        if oci:
            d, n = os.path.split(p)
            open(d + "/.wh." + n, "w").close()
        else:
            os.mknod(p, stat.S_IFCHR | 0o600, os.makedev(0, 0))

    for i in range(nlow):
        L = "%s/l%d" % (R, i)
        os.makedirs(L)
        lowers.append(L)
        files = []
        for _ in range(rng.randint(3, 9)):
            depth = rng.choice([1, 1, 2, 2, 3])
            parts = [rng.choice(NAMES) for _ in range(depth)]
            ok = True
            for k in range(1, depth):
                d = L + "/" + "/".join(parts[:k])
                if os.path.lexists(d) and not os.path.isdir(d) or \
                        os.path.islink(d):
                    ok = False
                    break
                if not os.path.lexists(d):
                    os.mkdir(d, 0o755)
                    if rng.random() < 0.15:
                        opaque(d)
            if not ok:
                continue
            rel = "/".join(parts)
            p = L + "/" + rel
            if os.path.lexists(p):
                continue
            used.add(rel)
            k = rng.random()
            if k < 0.35:
                with open(p, "w") as f:
                    f.write("%s in l%d\n" % (rel, i))
                os.chmod(p, rng.choice([0o644, 0o644, 0o755, 0o600, 0o444]))
                if rng.random() < 0.2:
                    os.setxattr(p, "user.t", b"l%d" % i)
                files.append(p)
            elif k < 0.40:
                with open(p, "w") as f:
                    f.truncate(70000)
                    f.seek(40000)
                    f.write("sparse l%d" % i)
                files.append(p)
            elif k < 0.60:
                os.mkdir(p, rng.choice([0o755, 0o755, 0o700, 0o775]))
                if rng.random() < 0.3:
                    opaque(p)
                if rng.random() < 0.15:
                    os.setxattr(p, "user.d", b"l%d" % i)
            elif k < 0.70:
                # relative links to names of any layer (chains)
                tgt = rng.choice(NAMES)
                if "/" in rel:
                    tgt = rng.choice(["../" + tgt, tgt])
                os.symlink(tgt, p)
            elif k < 0.88:
                whiteout(p)
            elif k < 0.94 and files:
                os.link(rng.choice(files), p)
            elif k < 0.97:
                os.mkfifo(p, 0o644)
            elif not user:
                os.mknod(p, stat.S_IFCHR | 0o644, os.makedev(1, 3))
            else:
                os.mkfifo(p, 0o600)
        for dp, dns, fns in os.walk(L, topdown=False):
            for n in dns + fns:
                q = os.path.join(dp, n)
                os.utime(q, (T0 + i, T0 + i), follow_symlinks=False)
        os.utime(L, (T0, T0))
    return lowers, sorted(used)


def oci_to_overlay(src, dst, user):
    """A copy of the OCI layer src at dst in overlayfs's format, as the
    layer applies over those below (the OCI image spec): .wh.NAME a 0/0
    device at NAME, or, where the layer has NAME itself, nothing for a
    non-directory and the opaque xattr for a directory (its own content
    only: the whiteout removed what was below); .wh..wh..opq the opaque
    xattr.  The times of the directories kept."""
    x = "user.overlay.opaque" if user else "trusted.overlay.opaque"
    rmtree(dst)
    subprocess.run(["cp", "-a", src, dst], check=True)
    times = {}
    for dp, dns, fns in os.walk(dst):
        st = os.lstat(dp)
        times[dp] = (st.st_atime_ns, st.st_mtime_ns)
        for n in fns:
            if not n.startswith(".wh."):
                continue
            os.unlink(os.path.join(dp, n))
            if n == ".wh..wh..opq":
                os.setxattr(dp, x, b"y")
                continue
            t = os.path.join(dp, n[4:])
            if not os.path.lexists(t):
                os.mknod(t, stat.S_IFCHR | 0o600, os.makedev(0, 0))
                os.chown(t, os.lstat(dp).st_uid, os.lstat(dp).st_gid)
            elif os.path.isdir(t) and not os.path.islink(t):
                os.setxattr(t, x, b"y")
    for d, (a, m) in times.items():
        os.utime(d, ns=(a, m))


def gen_script(rng, names, n):
    """n commands over the names (and new ones); each line prints its
    status."""
    pool = list(names) + ["a/new", "new", "b/c/new2", "d/x"]

    def P():
        return rng.choice(pool)

    lines = []
    for i in range(n):
        k = rng.randrange(17)
        p, q = P(), P()
        c = [
            "rm -f %s" % p,
            "rm -rf %s" % p,
            "rmdir %s" % p,
            "mkdir %s" % p,
            "mkdir -p %s/%s" % (p, rng.choice(NAMES)),
            "echo s%d > %s" % (i, p),
            "echo s%d >> %s" % (i, p),
            "mv %s %s" % (p, q),
            "mv -T %s %s" % (p, q),
            "ln -s %s %s" % (rng.choice(NAMES), p),
            "ln %s %s" % (p, q),
            "chmod %s %s" % (rng.choice(["700", "644", "755", "600"]), p),
            "touch -h -d @%d %s" % (T0 + 1000 + i, p),
            "setfattr -h -n user.s -v s%d %s" % (i, p),
            "truncate -s %d %s" % (rng.choice([0, 3, 50000]), p),
            "rm -rf %s && mkdir %s && echo o%d > %s/%s" % (
                p, p, i, p, rng.choice(NAMES)),
            "cp -a %s %s" % (p, q),
        ][k]
        pool.append(q)
        # (bounded: an open of a fifo for writing waits for a reader)
        lines.append("timeout -s KILL 10 sh -c '%s' 2>/dev/null; "
                     "echo \"%d $?\"" % (c, i))
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------


class Seed:
    def __init__(self, args, seed):
        self.args = args
        self.seed = seed
        self.rng = random.Random(seed)
        self.R = "%s/s%d" % (args.tmp, seed)
        self.user = args.as_user
        self.oci = args.oci
        self.probs = []
        self.kills = 0
        self.tool = args.tool or os.path.join(args.build, "tools", "union")

    # --- running

    def as_player(self, argv):
        return (SETPRIV if self.user else []) + argv

    def union(self, argv, env=None, **kw):
        e = dict(os.environ)
        e.pop("LD_PRELOAD", None)
        e["UNION_LIBRARY"] = self.args.lib
        e["LC_ALL"] = "C"
        if self.oci:
            e["UNION_OCI_LOWERS"] = "1"
        if env:
            e.update(env)
        return sh(self.as_player([self.tool] + argv), env=e, cwd=self.R,
                  **kw)

    def lib_view(self, lowers, upper, times=True, M=None):
        """The library's view of lowers (+ upper; a fresh one if None)
        at M (R/m by default)."""
        M = M or self.R + "/m"
        up = []
        if upper:
            up = ["-u", upper]
        else:
            fresh = self.R + "/fresh-upper"
            rmtree(fresh)
            os.mkdir(fresh)
            if self.user:
                os.chown(fresh, USER_ID, USER_ID)
            up = ["-u", fresh]
        r = self.union(["run"] + sum([["-l", L] for L in lowers], []) + up +
                       ["-m", M, "--", PYTHON, "-B", self.args.script,
                        "--describe", M] + ([] if times else ["--no-times"]))
        if upper is None:
            rmtree(self.R + "/fresh-upper")
        if r.returncode:
            raise RuntimeError("the library's view: %s" %
                               r.stderr.decode()[-400:])
        return json.loads(r.stdout.decode())

    def kmount(self, lowers, upper, work, M):
        esc = [L.replace(":", "\\:") for L in lowers]
        opts = "lowerdir=" + ":".join(esc)
        if upper:
            opts += ",upperdir=%s,workdir=%s" % (upper, work)
            os.makedirs(work, exist_ok=True)
        opts += ",index=off,metacopy=off," + (
            "userxattr" if self.user else "redirect_dir=off")
        os.makedirs(M, exist_ok=True)
        r = sh(["mount", "-t", "overlay", "overlay", "-o", opts, M])
        if r.returncode:
            raise RuntimeError("kernel mount: %s" % r.stderr.decode())

    def pdescribe(self, M, times=True):
        """describe(M) by the player (nobody as --as-user: what it may
        search, as under the library)."""
        if not self.user:
            return describe(M, times)
        r = sh(SETPRIV + [PYTHON, "-B", self.args.script, "--describe", M] +
               ([] if times else ["--no-times"]))
        if r.returncode:
            raise RuntimeError("describe as the user: %s" %
                               r.stderr.decode()[-300:])
        return json.loads(r.stdout.decode())

    def klowers(self, lowers):
        """The lowers as the kernel reads them: OCI layers converted
        (on copies beside them, R/k-NAME)."""
        if not self.oci:
            return lowers
        out = []
        for L in lowers:
            d, n = os.path.split(L)
            k = d + "/k-" + n
            oci_to_overlay(L, k, self.user)
            out.append(k)
        return out

    def kernel_view(self, lowers, upper, times=True):
        lowers = self.klowers(lowers)
        M = self.R + "/km"
        work = self.R + "/kwork"
        rmtree(work)
        self.kmount(lowers, upper, work, M)
        try:
            return self.pdescribe(M, times)
        finally:
            sh(["umount", M])
            rmtree(work)

    def copy(self, src, dst):
        rmtree(dst)
        subprocess.run(["cp", "-a", src, dst], check=True)

    # --- judging

    def compare(self, what, a, b, an="kernel", bn="libunion"):
        if a == b:
            if self.args.verbose:
                print("  ok: %s" % what)
            return True
        keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        self.probs.append("%s: %d paths differ: %s" % (what, len(keys), "; ".join(
            "%s: %s %s, %s %s" % (k, an, a.get(k), bn, b.get(k))
            for k in keys[:4])))
        return False

    # --- the seed

    def run(self):
        rmtree(self.R)
        os.makedirs(self.R)
        os.chmod(self.R, 0o755)
        rng = self.rng
        nlow = rng.randint(5, 20)
        self.inplace = rng.random() < 0.4
        lowers, names = gen_stack(rng, self.R, nlow, self.user, self.oci)
        script = gen_script(rng, names, rng.randint(8, 25))
        with open(self.R + "/script", "w") as f:
            f.write(script)
        ku, uu = self.R + "/kup", self.R + "/uup"
        os.mkdir(ku)
        os.mkdir(uu)
        if self.user:
            subprocess.run(["chown", "-R", "%d:%d" % (USER_ID, USER_ID),
                            self.R], check=True)
        snap = {L: describe(L) for L in lowers}
        base = self.kernel_view(lowers, None, times=False)
        base_t = self.kernel_view(lowers, None)
        lbase = self.lib_view(lowers, None)
        self.compare("the lowers' view", base_t, lbase)

        # the script, kernel then libunion, at the same merged path
        M = self.R + "/m"
        work = self.R + "/kwork"
        self.kmount(self.klowers(lowers), ku, work, M)
        try:
            kr = sh(self.as_player(["sh", "-c", 'cd "$0" && . "$1"', M,
                                    self.R + "/script"]))
            kview = self.pdescribe(M, times=False)
            kview_t = self.pdescribe(M)
        finally:
            sh(["umount", M])
        rmtree(work)
        # libunion's merged path: R/m, or in place over the top lower
        UM = self.UM = lowers[0] if self.inplace else M
        ur = self.union(["run"] + sum([["-l", L] for L in lowers], []) +
                        ["-u", uu, "-m", UM, "--", "sh", "-c",
                         'cd "$0" && . "$1"', UM, self.R + "/script"])
        if kr.stdout != ur.stdout:
            kl, ul = kr.stdout.decode().split("\n"), ur.stdout.decode().split("\n")
            d = [(a, b) for a, b in zip(kl, ul) if a != b]
            sl = script.split("\n")
            self.probs.append("statuses differ: %s" % "; ".join(
                "%r kernel %s libunion %s" % (sl[int(a.split()[0])],
                                             a.split()[1], b.split()[-1])
                for a, b in d[:3]))
        uview_t = self.lib_view(lowers, uu, M=UM)
        uview = {k: [x for x in v if not x.startswith("mtime=")]
                 for k, v in uview_t.items()}
        self.compare("the view after the script", kview, uview)
        for L in lowers:
            if describe(L) != snap[L]:
                self.probs.append("the lower %s changed" % L)

        self.check_diff(base, kview, uu)
        self.check_export(lowers, base_t, uu, uview_t)
        self.check_convert(lowers, uu, ku, uview_t, kview_t)
        self.check_commit(lowers, uu, uview_t)
        for L in lowers:
            if describe(L) != snap[L]:
                self.probs.append("the lower %s changed (by a tool)" % L)
        return self.probs

    def check_diff(self, base, kview, uu):
        r = self.union(["diff", uu])
        if r.returncode:
            self.probs.append("union diff failed: %s" % r.stderr.decode())
            return
        M = self.UM + "/"
        got = {"A": set(), "C": set(), "D": set()}
        for line in r.stdout.decode().splitlines():
            kind, path = line.split(" ", 1)
            got[kind].add(path[len(M):] if path.startswith(M) else path)
        # the view as the user lists it does not see below a directory
        # they made unsearchable or unlistable: union diff (reading the
        # upper) may; its lines there are not judged
        blind = tuple(p + "/" for p, v in kview.items()
                      if v == ["unsearchable"] or "unlistable" in v)
        for kind in got:
            got[kind] = {p for p in got[kind] if not p.startswith(blind)}
        added = set(kview) - set(base)
        gone = set(base) - set(kview)
        # the top of a deleted tree: its parent still a directory (a
        # directory replaced by a file is C, its names not listed)
        tops = {p for p in gone if ("/" not in p or
                kview.get(p.rsplit("/", 1)[0], ["?"])[0] == "40000")
                and not p.startswith(blind)}
        if got["A"] != added:
            self.probs.append("union diff's A lines: extra %s, missing %s" % (
                sorted(got["A"] - added)[:4], sorted(added - got["A"])[:4]))
        if got["D"] != tops:
            self.probs.append("union diff's D lines: extra %s, missing %s" % (
                sorted(got["D"] - tops)[:4], sorted(tops - got["D"])[:4]))
        # (a name below a directory the user made unsearchable describes
        # as "unsearchable" in the view: not a change of its own, which
        # union diff reports as the directory's C line)
        changed = {p for p in set(base) & set(kview)
                   if base[p] != kview[p] and base[p][0] != "40000"
                   and kview[p] != ["unsearchable"]}
        if changed - got["C"]:
            self.probs.append("union diff misses changes (C): %s" %
                              sorted(changed - got["C"])[:4])

    def check_export(self, lowers, base_t, uu, uview_t):
        B = self.R + "/flat"
        M = self.R + "/km"
        self.kmount(self.klowers(lowers), None, None, M)
        try:
            # (cp complains of the kernel's listed whiteouts, above)
            rmtree(B)
            sh(["cp", "-a", M, B])
        finally:
            sh(["umount", M])
        tar = self.R + "/layer.tar"
        r = self.union(["export", "-o", tar, uu])
        if r.returncode:
            self.probs.append("union export failed: %s" % r.stderr.decode())
            return
        r = sh([PYTHON, os.path.join(TOP, "tests", "tools", "oci-apply.py"),
                B, tar])
        if r.returncode:
            self.probs.append("oci-apply of the export failed: %s" %
                              r.stderr.decode()[-300:])
            return
        got = self.pdescribe(B)
        rmtree(B)

        # oci-apply.py keeps no xattrs; directories' times: not judged;
        # nor link counts (a lower file's twin hidden above counts in
        # the union, not in a flattened tree)
        def blur(v):
            return {k: [x for x in d if not x.startswith("user.") and
                        not x.startswith("nlink=") and
                        not (d[0] == "40000" and x.startswith("mtime="))]
                    for k, d in v.items()}
        self.compare("the export applied onto the lowers' view",
                     blur(uview_t), blur(got), "union", "applied")

    def check_convert(self, lowers, uu, ku, uview_t, kview_t):
        # the library's upper -> the kernel
        C = self.R + "/conv"
        self.copy(uu, C)
        argv = ["convert", "--to-overlay"] + (
            ["--userxattr"] if self.user else []) + \
            sum([["-l", L] for L in lowers], []) + ["-m", self.R + "/m", C]
        r = self.union(argv)
        if r.returncode:
            self.probs.append("convert --to-overlay failed: %s" %
                              r.stderr.decode())
        else:
            self.compare("the kernel over the converted upper",
                         self.kernel_view(lowers, C), uview_t)
        for i in range(self.args.kills):
            how = self.kill(argv, lambda: self.copy(uu, C))
            mid = self.lib_view(lowers, C)
            self.compare("convert --to-overlay killed %s: the union meanwhile"
                         % how, dirs_blurred(uview_t, mid),
                         dirs_blurred(mid, uview_t),
                         "before", "after")
            r = self.union(argv)
            if r.returncode:
                self.probs.append("convert --to-overlay killed %s: the rerun "
                                  "failed: %s" % (how, r.stderr.decode()))
                continue
            self.compare("convert --to-overlay killed %s, run again: the "
                         "kernel" % how, self.kernel_view(lowers, C), uview_t)
        # the kernel's upper -> the library
        argv = ["convert", "--from-overlay"] + \
            sum([["-l", L] for L in lowers], []) + ["-m", self.R + "/m", C]
        self.copy(ku, C)
        r = self.union(argv)
        if r.returncode:
            self.probs.append("convert --from-overlay failed: %s" %
                              r.stderr.decode())
        else:
            self.compare("the library over the kernel's upper converted",
                         kview_t, self.lib_view(lowers, C))
        for i in range(self.args.kills):
            how = self.kill(argv, lambda: self.copy(ku, C))
            r = self.union(argv)
            if r.returncode:
                self.probs.append("convert --from-overlay killed %s: the "
                                  "rerun failed: %s" % (how, r.stderr.decode()))
                continue
            self.compare("convert --from-overlay killed %s, run again" % how,
                         kview_t, self.lib_view(lowers, C))
        rmtree(C)

    def commit_copy(self, lowers, uu):
        """A copy of the lowers and the upper in R/c: (lowers, upper)."""
        C = self.R + "/c"
        rmtree(C)
        os.mkdir(C)
        cl = []
        for i, L in enumerate(lowers):
            self.copy(L, "%s/l%d" % (C, i))
            cl.append("%s/l%d" % (C, i))
        self.copy(uu, C + "/up")
        if self.user:
            os.chown(C, USER_ID, USER_ID)
        return cl, C + "/up"

    def commit_argv(self, cl, cu):
        return ["commit"] + sum([["-l", L] for L in cl], []) + \
            ["-m", self.R + "/m", cu]

    def check_commit(self, lowers, uu, uview_t):
        cl, cu = self.commit_copy(lowers, uu)
        snap = {L: describe(L) for L in cl[1:]}
        r = self.union(self.commit_argv(cl, cu))
        if r.returncode:
            self.probs.append("union commit failed: %s" % r.stderr.decode())
            return
        self.compare("the committed lowers (libunion)", nolinks(uview_t),
                     nolinks(self.lib_view(cl, None)), "before", "after")
        kv = nolinks(self.kernel_view(cl, None))
        # (the kernel lists a whiteout of a one-layer directory: a
        # directory the user may list but not search shows its name
        # there as unsearchable)
        kv = {k: d for k, d in kv.items()
              if d != ["unsearchable"] or k in uview_t}
        self.compare("the committed lowers (the kernel)", nolinks(uview_t),
                     kv, "before", "kernel")
        left = [n for n in os.listdir(cu) if n != ".union"]
        if left:
            self.probs.append("union commit left %s in the upper" % left)
        for L in cl[1:]:
            if describe(L) != snap[L]:
                self.probs.append("union commit changed the lower below %s"
                                  % L)
        for i in range(self.args.kills):
            cl, cu = self.commit_copy(lowers, uu)
            how = self.kill(self.commit_argv(cl, cu),
                            lambda: self.commit_copy(lowers, uu))
            mid = self.lib_view(cl, cu)
            self.compare("commit killed %s: the union meanwhile" % how,
                         dirs_blurred(nolinks(uview_t), mid),
                         dirs_blurred(nolinks(mid), uview_t), "before",
                         "after")
            r = self.union(self.commit_argv(cl, cu))
            if r.returncode:
                self.probs.append("commit killed %s: the rerun failed: %s" %
                                  (how, r.stderr.decode()))
                continue
            self.compare("commit killed %s, run again" % how,
                         nolinks(uview_t), nolinks(self.lib_view(cl, None)),
                         "before", "after")
        rmtree(self.R + "/c")

    def kill(self, argv, prepare):
        """Run the command, SIGKILLed at a random system call of it: a
        dry run (on a copy prepare() makes) counts its calls, then
        prepare() again and the kill at one of them, each as likely."""
        cf = self.R + "/counts"
        e = dict(os.environ)
        e.pop("LD_PRELOAD", None)
        e["UNION_LIBRARY"] = self.args.lib
        if self.oci:
            e["UNION_OCI_LOWERS"] = "1"
        prepare()
        sh(count_argv(cf) + self.as_player([self.tool] + argv), env=e,
           cwd=self.R)
        calls = read_counts(cf, skip=("execve", "exit_group"))
        name, k = pick_call(self.rng, calls)
        prepare()
        sh(kill_argv(name, k) + self.as_player([self.tool] + argv),
           env=e, cwd=self.R)
        self.kills += 1
        return "at %s #%d of %d" % (name, k + 1, calls[name])


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--describe":
        json.dump(describe(sys.argv[2], "--no-times" not in sys.argv),
                  sys.stdout)
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--as-user", action="store_true")
    ap.add_argument("--oci", action="store_true",
                    help="OCI layers (UNION_OCI_LOWERS=1; the kernel over "
                    "copies converted as the image spec applies them)")
    ap.add_argument("--kills", type=int, default=2,
                    help="kills of each command a seed")
    ap.add_argument("--build", default=os.environ.get("UN_BUILD", TOP))
    ap.add_argument("--lib", default=None)
    ap.add_argument("--tmpdir", default=os.environ.get("TMPDIR", "/tmp"))
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--time-budget", type=float, default=0,
                    help="start no seed after SECONDS")
    ap.add_argument("--tool", default=os.environ.get("UNION_CMD"),
                    help="the union command (default: $UNION_CMD, else "
                    "BUILD/tools/union)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("SKIP: layers.py needs root (kernel overlay mounts)")
        return 77
    if not shutil.which("strace") or not shutil.which("setfattr"):
        print("SKIP: layers.py needs strace and setfattr")
        return 77
    args.lib = os.path.abspath(args.lib or os.path.join(
        args.build, "preload", ".libs", "libunion.so"))
    if not os.path.exists(args.lib):
        print("no library at %s (make first)" % args.lib)
        return 2
    args.tmp = tempfile.mkdtemp(prefix="layers.", dir=args.tmpdir)
    os.chmod(args.tmp, 0o755)
    # (private copies: a rebuild meanwhile must not reach a run)
    tool = args.tool or os.path.join(args.build, "tools", "union")
    args.tool = args.tmp + "/union"
    shutil.copyfile(tool, args.tool)
    os.chmod(args.tool, 0o755)
    shutil.copyfile(args.lib, args.tmp + "/libunion.so")
    args.lib = args.tmp + "/libunion.so"
    os.chmod(args.lib, 0o755)
    args.script = private_script(__file__, args.tmp)
    found = ran = 0
    t0 = time.monotonic()
    try:
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            if args.time_budget and time.monotonic() - t0 > args.time_budget:
                break
            ran += 1
            s = Seed(args, seed)
            try:
                probs = s.run()
            except RuntimeError as e:
                probs = ["harness: %s" % e]
            if probs:
                found += 1
                print("seed %d%s: %d findings" % (
                    seed, " (as user)" if args.as_user else "", len(probs)))
                for p in probs:
                    print("   " + p)
            elif args.verbose:
                print("seed %d: ok" % seed)
            if not args.keep or not probs:
                rmtree(s.R)
    finally:
        if not args.keep:
            rmtree(args.tmp)
    print("layers.py: %d seeds%s%s, %d with findings" % (
        ran, " as user" if args.as_user else "", " (OCI)" if args.oci else "",
        found))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
