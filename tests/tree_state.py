#!/usr/bin/python3 -S
# tree_state.py - the state of layer directories, for tests/lib.sh's
# lowers_snapshot and lowers_check: one line an entry (sorted), with
# everything but atimes: type, mode, owner, size, link count, mtime,
# symlink target, device numbers, a digest of a regular file's content
# and every xattr (any namespace, not followed through symlinks).
#
#   tree_state.py OUT DIR [OUT DIR]...          write DIR's state to OUT
#   tree_state.py --check OUT DIR [OUT DIR]...  write it to OUT.after and
#       print "OUT<tab>DIR" for each DIR whose state differs from OUT's
#       (status 1)
#
# One process for all the layers of a comparison: the shell version (find,
# xargs sha256sum, stat, getfattr, awk and sort a layer) started about 50
# processes a comparison, a fifth of a scenario's CPU time.  (-S: no site
# module; the digest from the built-in module when there is one, not
# OpenSSL's through hashlib: half the start-up.)
import os
import stat
import sys

try:
    from _sha256 import sha256
except ImportError:
    from hashlib import sha256


def esc(b):
    """A name as one line: bytes other than printable ASCII as \\xHH."""
    out = []
    for c in b:
        if 0x20 < c < 0x7F and c != 0x5C:
            out.append(chr(c))
        else:
            out.append("\\x%02x" % c)
    return "".join(out)


# Paths of PATH_MAX bytes or more (a tree made one level at a time): the
# kernel refuses them whole, so such an entry is reached through its
# directory, opened a piece shorter than PATH_MAX at a time, as
# /proc/self/fd/N/NAME.  (Unseen, a change to a lower that deep went
# unnoticed.)
LONG = 4000


def reach(path):
    """(a path to PATH the kernel takes, the descriptor to close or -1)"""
    if len(path) < LONG:
        return path, -1
    d, name = os.path.split(path)
    fd, pos = -1, 0
    while pos < len(d):
        end = len(d) if len(d) - pos < LONG else d.rindex(b"/", pos, pos + LONG)
        piece = d[pos:end] or b"/"
        nfd = os.open(piece, os.O_PATH | os.O_DIRECTORY,
                      dir_fd=fd if fd >= 0 else None)
        if fd >= 0:
            os.close(fd)
        fd, pos = nfd, end + 1
    return b"/proc/self/fd/%d/%s" % (fd, name), fd


def describe(path, rel, lines, follow=False):
    path, fd = reach(path)
    try:
        return describe_at(path, rel, lines, follow)
    finally:
        if fd >= 0:
            os.close(fd)


def describe_at(path, rel, lines, follow=False):
    try:
        st = os.stat(path) if follow else os.lstat(path)
    except OSError as e:
        lines.append("%s gone (%s)" % (esc(rel), e.strerror))
        return None
    mode = st.st_mode
    kind = {stat.S_IFREG: "f", stat.S_IFDIR: "d", stat.S_IFLNK: "l",
            stat.S_IFCHR: "c", stat.S_IFBLK: "b", stat.S_IFIFO: "p",
            stat.S_IFSOCK: "s"}.get(stat.S_IFMT(mode), "?")
    line = "%s %s %o %d:%d size=%d nlink=%d mtime=%d" % (
        esc(rel), kind, stat.S_IMODE(mode), st.st_uid, st.st_gid,
        st.st_size, st.st_nlink, st.st_mtime_ns)
    if kind == "l":
        line += " -> " + esc(os.readlink(path))
    elif kind in "cb":
        line += " dev=%d:%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))
    elif kind == "f":
        try:
            h = sha256()
            with open(path, "rb", buffering=0) as f:
                while True:
                    chunk = f.read(1 << 20)
                    if not chunk:
                        break
                    h.update(chunk)
            line += " sha256=" + h.hexdigest()
        except OSError as e:
            line += " UNREADABLE (%s)" % e.strerror
    lines.append(line)
    try:
        names = sorted(os.listxattr(path, follow_symlinks=follow))
    except OSError:
        names = []
    for n in names:
        try:
            v = os.getxattr(path, n, follow_symlinks=follow).hex()
        except OSError as e:
            v = "(%s)" % e.strerror
        lines.append("xattr %s %s=0x%s" % (esc(rel), n, v))
    return kind


def state(top):
    """The lines of the tree under TOP (bytes paths: any name)."""
    top = os.fsencode(top)
    lines = []
    # (The top followed, as `cd DIR && find .` did: a layer may be given
    # by a symlink to it.)
    if describe(top, b".", lines, follow=True) != "d":
        return lines
    todo = [b"."]
    while todo:
        rel = todo.pop()
        path, fd = reach(os.path.join(top, rel))
        try:
            names = os.listdir(path)
        except OSError as e:
            lines.append("%s unlistable (%s)" % (esc(rel), e.strerror))
            continue
        finally:
            if fd >= 0:
                os.close(fd)
        for n in names:
            r = rel + b"/" + n
            if describe(os.path.join(top, r), r, lines) == "d":
                todo.append(r)
    lines.sort()
    return lines


def main(argv):
    check = argv[:1] == ["--check"]
    if check:
        argv = argv[1:]
    if not argv or len(argv) % 2:
        sys.stderr.write("usage: tree_state.py [--check] OUT DIR [OUT DIR]...\n")
        return 2
    changed = False
    for out, top in zip(argv[0::2], argv[1::2]):
        text = "".join(line + "\n" for line in state(top))
        with open(out + ".after" if check else out, "w") as f:
            f.write(text)
        if check:
            with open(out) as f:
                if f.read() != text:
                    print("%s\t%s" % (out, top))
                    changed = True
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
