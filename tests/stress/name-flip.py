#!/usr/bin/env python3
"""name-flip.py - one name of a union made a symlink, removed and
opened with O_CREAT by four processes in loops at once, for SECONDS:
the kernel's opens answer only ok or ELOOP (the link is a loop, k -> k,
or with --target t a link to the absent t).  Any other errno of an open
under libunion is a race of its lookup (session 14: ENOENT and EINVAL,
about 30 in 270,000 opens, before namei.c's walk_link looked a replaced
link up again and wrap_open.c an O_CREAT whose name vanished).  Not
part of `make check`: a race found here by numbers is made certain in a
scenario (integration/symlink-replaced-during-lookup-race.sh).

    tests/stress/name-flip.py [-s SECONDS] [--target t] [--lib LIB]
    tests/stress/name-flip.py --kernel        (root: the kernel's answers)
"""
import argparse, ast, collections, errno, os, subprocess, sys, tempfile, time
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))


def loop(role, d, secs, target):
    p = d + "/k"
    c = collections.Counter()
    end = time.time() + secs
    while time.time() < end:
        try:
            if role == "sym":
                os.symlink(target, p)
            elif role == "rm":
                os.unlink(p)
            else:
                os.close(os.open(p, os.O_WRONLY | os.O_CREAT | os.O_APPEND,
                                 0o644))
            c["ok"] += 1
        except OSError as e:
            c[errno.errorcode.get(e.errno, str(e.errno))] += 1
    print(role, dict(c))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--loop":
        return loop(sys.argv[2], sys.argv[3], float(sys.argv[4]),
                    sys.argv[5])
    ap = argparse.ArgumentParser()
    ap.add_argument("-s", "--seconds", type=float, default=5)
    ap.add_argument("--target", default="k")
    ap.add_argument("--kernel", action="store_true")
    ap.add_argument("--lib", default=os.path.join(
        TOP, "preload", ".libs", "libunion.so"))
    a = ap.parse_args()
    t = tempfile.mkdtemp(prefix="name-flip.")
    try:
        for s in ("upper", "lower/d", "work", "m"):
            os.makedirs(t + "/" + s)
        env = dict(os.environ)
        if a.kernel:
            subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                            "lowerdir=%s/lower,upperdir=%s/upper,workdir=%s/work"
                            % (t, t, t), t + "/m"], check=True)
        else:
            env.update(UNION_LAYERS="%s/m=%s/upper:%s/lower" % (t, t, t),
                       LD_PRELOAD=os.path.abspath(a.lib))
        try:
            ps = [subprocess.Popen([sys.executable, "-B", __file__, "--loop",
                                    r, t + "/m/d", str(a.seconds), a.target],
                                   env=env, stdout=subprocess.PIPE)
                  for r in ("sym", "rm", "open", "open")]
            outs = [p.communicate()[0].decode().strip() for p in ps]
        finally:
            if a.kernel:
                subprocess.run(["umount", t + "/m"])
        bad = 0
        for o in outs:
            print(o)
            if o.startswith("open"):
                d = ast.literal_eval(o.split(" ", 1)[1])
                bad += sum(v for k, v in d.items() if k not in ("ok", "ELOOP"))
        print("name-flip: %d opens answered another errno than ok or ELOOP"
              % bad)
        return 1 if bad else 0
    finally:
        shutil.rmtree(t, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main() or 0)
