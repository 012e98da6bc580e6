# deep.py: the shared prologue of the steps that work below a merged path
# longer than PATH_MAX (integration/long-copyup.sh, long-relative.sh).
# A step imports it with PYTHONPATH="$TOP_SRCDIR/tests/prog" (TOP_SRCDIR
# is exported by tests/lib.sh, so every step, root's or nobody's, has it):
#
#	PYTHONPATH="$TOP_SRCDIR/tests/prog" "$PYTHON" -B - <<'PY'
#	from deep import *
#	down(os.environ["M"] + "/deep")
#
# (-B: no __pycache__ written into the source tree.)
import os

__all__ = ["os", "N", "DEPTH", "t", "down"]

# One name of the deep chain, and how many of them: 30 x 201 bytes is
# past PATH_MAX (4096) and below the library's cap on merged paths (8191).
N = "n" * 200
DEPTH = 30


def t(what, f):
    """Print WHAT and f()'s result ("ok" for None), or the error's text."""
    try:
        r = f()
        print(what, "ok" if r is None else r)
    except OSError as e:
        print(what, os.strerror(e.errno))


def down(base, make=False):
    """chdir to BASE, then DEPTH levels of N below it, one at a time
    (a path that long cannot be named at once); make them first when
    MAKE."""
    os.chdir(base)
    for _ in range(DEPTH):
        if make:
            os.mkdir(N)
        os.chdir(N)
