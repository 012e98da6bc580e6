# pystep.py: t(what, f), the one-line report of a call that Python steps
# print for the kernel's run and libunion's alike (integration/
# fd-after-python-subprocess, fd-closerange-in-fork-child,
# removed-cwd-by-other, removed-cwd-cd-up).  A step imports it with
# PYTHONPATH="$TOP_SRCDIR/tests/prog" (TOP_SRCDIR is exported by
# tests/lib.sh to every step, root's or nobody's):
#
#	PYTHONPATH="$TOP_SRCDIR/tests/prog" "$PYTHON" -B - "$M" <<'EOF2'
#	from pystep import t
#
# (-B: no __pycache__ written into the source tree.)
__all__ = ["t"]


def t(what, f):
    """Print WHAT, "ok" and f()'s result (nothing for None), or the
    error's text."""
    try:
        r = f()
        print(what, "ok", "" if r is None else r)
    except OSError as e:
        print(what, e.strerror)
