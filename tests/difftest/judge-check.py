#!/usr/bin/env python3
"""judge-check.py - the tester's judgement of kernel cache states, checked
without root: difftest.py's tags (copied_over) on shrunk cases, and
known.txt's lines on the signatures of the runs that found them.  Each
case is a mismatch the kernel's cache made (a fresh mount answers as the
library): it must be KNOWN as `cache`; the near cases must not be."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import difftest as D  # noqa: E402

fails = 0


def check(what, got, want):
    global fails
    if got != want:
        print("FAIL %s: %r, want %r" % (what, got, want))
        fails += 1
    else:
        print("ok   %s" % what)


spec, _, _ = D.seed_case(4253, "two", 120)
held = ["open 2 {M1}/pf rdonly,append 750", "unlink {M1}/pf"]
# fifogone: unlinked, looked up again (the failed rename's lookup), changed
for mid, want in ((["rename {M1}/pf {M1}/d"], {"{M1}/pf"}),
                  (["stat {M1}/pf"], {"{M1}/pf"}),
                  ([], set()),                        # no lookup: lands
                  (["mkfifo {M1}/pf 644"], set()),    # made again
                  (["rename {M1}/d {M1}/pf"], set())):
    ops = held + mid + ["fchmod 2 777"]
    check("fifogone after %s" % (mid or "nothing"),
          D.copied_over(ops, spec)["fifogone"], want)
ops = held + ["rename {M1}/pf {M1}/d", "fchmod 2 777"]
check("stale_tree of the copy", D.stale_tree(
    spec, ops, ["  +./pf p 0777 65534:65534 size=0 nlink=1 mtime=1"]), True)
check("stale_tree of another name", D.stale_tree(
    spec, ops, ["  +./d p 0777 65534:65534 size=0 nlink=1 mtime=1"]), False)

# root seed two:4726: an open the escape guard kept from the kernel
# (ESCAPES) moves no slot: the fchown through slot 1 is overnew's
ops = ["chdir {M1}/empty", "unlinkat cwd {M1}/empty removedir",
       "open 1 . rdonly,directory 0", "mkdir {M1}/empty 644",
       "chdir {M0}/n1", "open 1 ../empty rdonly,creat 640", "fchown 1 0 0"]
kops = ["chdir x => ok", "unlinkat x => ok", "open x => ok", "mkdir x => ok",
        "chdir x => ok", "open 1 ../empty rdonly,creat 640 => ESCAPES",
        "fchown 1 0 0 => ok"]
check("overnew past an ESCAPES open", D.copied_over(
    D.mark_failed(ops, kops), spec)["overnew"], {"{M1}/empty"})
kops[5] = "open 1 ../empty rdonly,creat 640 => ok"
check("no overnew past a played open", D.copied_over(
    D.mark_failed(ops, kops), spec)["overnew"], set())

known = D.load_known(os.path.join(os.path.dirname(
    os.path.abspath(__file__)), "known.txt"))


class Env:
    pass


env = Env()
env.known = known
for sig, want in (
        # root seed inplace:3825 (user two:3825 alike): ESTALE of the
        # stale dentry, EXDEV of a fresh mount
        ("as=root layout=inplace ro=no at=- before=cwdgone,fdchange,fdgone,"
         "onstale,overnew,removed,topdots op=rename {M0}/empty b | op "
         "rename: kernel -1 ESTALE, libunion -1 EXDEV", "cache"),
        ("as=root layout=inplace ro=no at=- before=fdchange,removed op="
         "rename {M0}/empty b | op rename: kernel -1 ESTALE, libunion -1 "
         "EXDEV", None),
        # root seed absent:4523: fstat through the descriptor of the
        # removed directory, the name changed through its stale dentry
        ("as=root layout=absent ro=no at=- before=cwdgone,fdchange,onstale,"
         "overnew,removed op=fstat 4 | op fstat: kernel d 0600 0:0 nlink=1 "
         "mtime=1000000000.000000000, libunion d 0777 0:0 nlink=1 "
         "mtime=1000000000.000000000", "cache"),
        ("as=root layout=absent ro=no at=- before=cwdgone,fdchange,removed "
         "op=fstat 4 | op fstat: kernel d 0600 0:0 nlink=1 mtime=1, "
         "libunion d 0777 0:0 nlink=1 mtime=1", None),
        # user seed two:6958: the name's attributes after overnew
        ("as=user layout=two ro=no at=- before=cwdgone,fdchange,onstale,"
         "overnew,removed op=llistxattr {M0}/empty | op llistxattr: "
         "kernel [], libunion [user.k2]", "cache"),
        # root seed two:5674: the name's listing after overnew
        ("as=root layout=two ro=no at=- before=cwdgone,fdchange,onstale,"
         "overnew,removed op=lsseek {M0}/empty | op lsseek: kernel n=-2 "
         "seekdir=ok rewinddir=ok, libunion n=0 seekdir=ok rewinddir=ok",
         "cache"),
        # user seed two:4253
        ("as=user layout=two ro=no at=- before=chmoddir,fdchange,fifogone,"
         "onstale,removed op=- | tree: extra entry", "cache"),
        ("as=user layout=two ro=no at=- before=chmoddir,fdchange,removed "
         "op=- | tree: extra entry", None),
        ("as=user layout=two ro=no at=- before=fifogone,onstale op=stat "
         "{M1}/pf | op stat: kernel -1 ENOENT, libunion p 0777", "cache")):
    check("known %s" % sig[-60:], D.known_item(env, sig), want)
sys.exit(1 if fails else 0)
