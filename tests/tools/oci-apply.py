#!/usr/bin/env python3
"""oci-apply.py - unpack OCI image layers (tar files) into a directory.

    oci-apply.py ROOTFS LAYER.tar...

Applies the layers in order as the OCI image spec's "Applying Changesets"
says: `.wh.NAME` deletes NAME from the layers below, `.wh..wh..opq`
deletes every name of its directory that the layers below put there,
and any other entry replaces what is at its path (a directory merges
with a directory).  A stand-in for umoci where umoci is not installed;
numeric owners, modes and times are kept, xattrs are not.
"""
import os
import shutil
import sys
import tarfile


def remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)


def apply(rootfs, layer):
    added = set()
    with tarfile.open(layer) as tar:
        members = tar.getmembers()
        for m in members:
            name = os.path.normpath(m.name.lstrip("/"))
            if name.startswith(".."):
                raise SystemExit("unsafe name in %s: %s" % (layer, m.name))
            d, base = os.path.split(name)
            if base == ".wh..wh..opq":
                full = os.path.join(rootfs, d)
                for n in os.listdir(full) if os.path.isdir(full) else []:
                    if os.path.join(d, n) not in added:
                        remove(os.path.join(full, n))
                continue
            if base.startswith(".wh."):
                # (from the layers below only: not a name of this one)
                if os.path.join(d, base[4:]) not in added:
                    remove(os.path.join(rootfs, d, base[4:]))
                continue
            target = os.path.join(rootfs, name)
            if name != "." and os.path.lexists(target) and not (
                    m.isdir() and os.path.isdir(target)
                    and not os.path.islink(target)):
                remove(target)
            m.name = name
            kw = {"numeric_owner": True}
            if hasattr(tarfile, "fully_trusted_filter"):
                kw["filter"] = "fully_trusted"
            tar.extract(m, rootfs, **kw)
            added.add(name)
        # Directories again, last: extracting into them changed their times.
        for m in reversed(members):
            if m.isdir() and not os.path.basename(m.name).startswith(".wh."):
                path = os.path.join(rootfs, os.path.normpath(m.name))
                os.utime(path, (m.mtime, m.mtime), follow_symlinks=False)


def main():
    if len(sys.argv) < 3:
        raise SystemExit("usage: oci-apply.py ROOTFS LAYER.tar...")
    os.makedirs(sys.argv[1], exist_ok=True)
    for layer in sys.argv[2:]:
        apply(sys.argv[1], layer)


main()
