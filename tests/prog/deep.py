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
#
# A scenario's setup builds such a chain in its layers with chain_at,
# put and stamp_up (integration/long-fd-*.sh, long-seek-merged.sh,
# long-held-removed-exec.sh).
import os

__all__ = ["os", "N", "DEPTH", "OLD", "t", "down", "chain_at", "put",
           "stamp_up"]

# One name of the deep chain, and how many of them: 30 x 201 bytes is
# past PATH_MAX (4096) and below the library's cap on merged paths (8191).
N = "n" * 200
DEPTH = 30
# A time before 2005: the harness's touch cannot reach that deep.
OLD = (1000000000, 1000000000)


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


def chain_at(top):
    """A descriptor of TOP/deep/N/.../N (DEPTH names of N), the
    directories made 0755 on the way, one at a time by descriptor."""
    fd = os.open(top, os.O_RDONLY)
    for name in ["deep"] + [N] * DEPTH:
        os.mkdir(name, 0o755, dir_fd=fd)
        nfd = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = nfd
    return fd


def put(fd, name, data=b"", old=False):
    """A file NAME (0644) below the directory descriptor FD holding DATA,
    with the time OLD when OLD."""
    w = os.open(name, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
    os.write(w, data)
    os.close(w)
    if old:
        os.utime(name, OLD, dir_fd=fd)


def stamp_up(fd):
    """Give the chain's foot FD and every directory above it, the layer's
    root included, the time OLD (climbing by '..'), and close FD."""
    os.utime(".", OLD, dir_fd=fd)
    for _ in range(DEPTH + 1):
        nfd = os.open("..", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = nfd
        os.utime(".", OLD, dir_fd=fd)
    os.close(fd)
