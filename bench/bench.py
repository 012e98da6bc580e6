#!/usr/bin/env python3
"""libunion benchmark: the workloads of issue 7, side by side.

Generates one set of layers (a lower of FILES files in DIRS directories,
committed as a git repository, plus a small upper), then for each workload
and each run times every system in turn (interleaved):

  native          the workload run directly on a plain copy of what the
                  merged view shows (cp -a lower, then upper over it)
  noop-preload    native's tree, with an empty shared object (built here)
                  in LD_PRELOAD: what any preload costs, the floor of
                  libunion's exec rows
  libunion        UNION_LAYERS=VIEW=UPPER:LOWER LD_PRELOAD=libunion.so
  kernel          mount -t overlay
  fuse-overlayfs  fuse-overlayfs -o lowerdir=,upperdir=,workdir=
  unionfs-fuse    unionfs-fuse -o cow,hide_meta_files UPPER=RW:LOWER=RO

Every timed command's result (its output, or the tree it leaves) is
reduced to a digest and compared with native's of the same run; a
difference is a FAIL in the table, with the first differing lines shown
below it.  Prints a table of medians and ratios to native and writes a
TSV.  Run as root for the mounts; systems that cannot run are skipped
with a note.  See bench/README.md.
"""
import argparse
import datetime
import difflib
import hashlib
import os
import platform
import random
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)

SCALES = {
    'small': dict(files=2000, dirs=150, bigfile_mb=64),
    'medium': dict(files=15000, dirs=1000, bigfile_mb=512),
    'large': dict(files=100000, dirs=5000, bigfile_mb=2048),
}
ALL_SYSTEMS = ['native', 'noop-preload', 'libunion', 'kernel',
               'fuse-overlayfs', 'unionfs-fuse']
FIXED_MTIME_LOWER = 1577836800   # 2020-01-01, before the git index
FIXED_MTIME_UPPER = 1609459200   # 2021-01-01
TIMEOUT = 900

# The targets (ratio to native; copy-up: throughput ratio, >=).
TARGETS = {
    'find-type-f': '<=1.1', 'find-printf-s': '<=1.3', 'tar-c': '<=1.25',
    'git-status-warm': '<=1.3', 'git-status-fresh': '<=1.5',
    'true-500': '<=1.05 noop', 'lowerbin-500': '<=1.05 noop', 'tar-x': '<=1.5',
    'stat-outside': '<=1.02',
    'make-j2': '<=1.1', 'make-j32': '<=1.1', 'rm-rf': '<=2.5', 'copy-up': '>=0.9',
}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def sh(cmd, check=True, **kw):
    """Run a setup command (not timed)."""
    r = subprocess.run(cmd, shell=isinstance(cmd, str), **kw)
    if check and r.returncode != 0:
        raise RuntimeError('setup command failed (%d): %s' % (r.returncode, cmd))
    return r


def rmtree(p):
    if os.path.lexists(p):
        subprocess.run(['rm', '-rf', '--one-file-system', p])


def cp_tree(src, dst):
    """cp -a src/. dst/ (dst created if missing)."""
    os.makedirs(dst, exist_ok=True)
    sh(['cp', '-a', src + '/.', dst + '/'])


def sha(data):
    if isinstance(data, str):
        data = data.encode()
    return hashlib.sha256(data).hexdigest()[:16]


# ---------------------------------------------------------------------------
# Layer generation

WORDS = ('static int const char void return struct if else for while the of '
         'union layer lower upper merged copy whiteout path file dir stat open '
         'read write buffer size count error index table node list next prev '
         'value key hash free alloc init exit main argc argv printf').split()


def gen_blob(rng, n=1 << 18):
    out, size = [], 0
    while size < n:
        line = ' '.join(rng.choice(WORDS) for _ in range(rng.randint(3, 12)))
        line = '\t' * rng.randint(0, 3) + line + ';\n'
        out.append(line)
        size += len(line)
    return ''.join(out).encode()


def set_times(root, t):
    for dp, dns, fns in os.walk(root):
        for n in fns:
            os.utime(os.path.join(dp, n), (t, t), follow_symlinks=False)
    for dp, dns, fns in os.walk(root, topdown=False):
        os.utime(dp, (t, t))



def write_c_tree(d, prefix, n, header):
    """A directory of N C units named PREFIX000.c.., a main.c calling
    each, and a Makefile building prog from them (one compiler a unit).
    header: the units include string.h and a common.h declaring them
    all (make -j2's tree); else each is one line of arithmetic."""
    os.makedirs(d)
    decls = ''.join('int %s%03d(int x);\n' % (prefix, i) for i in range(n))
    for i in range(n):
        name = '%s%03d' % (prefix, i)
        with open(os.path.join(d, name + '.c'), 'w') as f:
            if header:
                f.write('/* %s.c */\n#include <string.h>\n#include "common.h"\n'
                        'int %s(int x)\n{\n\tchar b[64];\n\tmemset(b, x, sizeof(b));\n'
                        '\treturn b[%d] + %d;\n}\n' % (name, name, i % 64, i))
            else:
                f.write('/* %s.c */\nint %s(int x)\n{\n\treturn x * %d + %d;\n}\n'
                        % (name, name, i + 1, i))
    if header:
        with open(os.path.join(d, 'common.h'), 'w') as f:
            f.write('#include <stdio.h>\n' + decls)
    with open(os.path.join(d, 'main.c'), 'w') as f:
        f.write(('#include "common.h"\n' if header else '#include <stdio.h>\n' + decls) +
                'int main(void)\n{\n\tlong s = 0;\n' +
                ''.join('\ts += %s%03d(%d);\n' % (prefix, i, i) for i in range(n)) +
                '\tprintf("%ld\\n", s);\n\treturn 0;\n}\n')
    with open(os.path.join(d, 'Makefile'), 'w') as f:
        f.write('OBJS = main.o ' + ' '.join('%s%03d.o' % (prefix, i) for i in range(n)) +
                '\nCFLAGS = -O0\nprog: $(OBJS)\n\t$(CC) -o $@ $(OBJS)\n'
                '%%.o: %%.c%s\n\t$(CC) $(CFLAGS) -c -o $@ $<\n' % (' common.h' if header else ''))

def generate(p, args):
    """Make the layers under p.layers; returns the plan (what to rm, ...)."""
    rng = random.Random(7)
    blob = gen_blob(rng)
    L = p.lower
    os.makedirs(L)
    ndirs = max(2, args.dirs)
    ntop = max(1, int(round(ndirs ** 0.5)))
    dirs = ['d%03d' % i for i in range(ntop)]
    tops = list(dirs)
    for i in range(ndirs - ntop):
        dirs.append('%s/s%03d' % (tops[i % ntop], i // ntop))
    for d in dirs:
        os.makedirs(os.path.join(L, d), exist_ok=True)
    # make: 100 C files with a common header in src/
    nsrc = 100
    write_c_tree(os.path.join(L, 'src'), 'u', nsrc, header=True)
    # make -j32 (issue 13, scale: many concurrent writers): 200 C files,
    # each object written into the union by its own compiler process
    n32 = 200
    write_c_tree(os.path.join(L, 'src32'), 'v', n32, header=False)
    os.makedirs(os.path.join(L, 'bin'))
    with open(os.path.join(p.layers, 'hello.c'), 'w') as f:
        f.write('#include <stdio.h>\nint main(void){puts("hello");return 0;}\n')
    sh(['cc', '-O2', '-o', os.path.join(L, 'bin', 'hello'),
        os.path.join(p.layers, 'hello.c')])
    nfiles = max(1, args.files - nsrc - n32 - 6)
    files = []
    for i in range(nfiles):
        d = dirs[rng.randrange(len(dirs))]
        name = '%s/f%05d.%s' % (d, i, rng.choice(('c', 'h', 'txt', 'c')))
        size = min(65536, int(rng.lognormvariate(7.3, 1.0)))
        off = rng.randrange(len(blob) - 65536)
        with open(os.path.join(L, name), 'wb') as f:
            f.write(b'/* ' + name.encode() + b' */\n' + blob[off:off + size])
        files.append(name)
    set_times(L, FIXED_MTIME_LOWER)
    # the lower is a git repository of itself, packed
    genv = dict(p.env, GIT_AUTHOR_DATE='2020-01-02T00:00:00Z',
                GIT_COMMITTER_DATE='2020-01-02T00:00:00Z')
    # gc.auto=0: no gc detached into the background while we time things
    for c in (['git', 'init', '-q'], ['git', 'config', 'gc.auto', '0'],
              ['git', 'config', 'maintenance.auto', 'false'], ['git', 'add', '-A'],
              ['git', '-c', 'user.name=bench', '-c', 'user.email=bench@localhost',
               'commit', '-q', '-m', 'generated tree'],
              ['git', 'gc', '-q', '--prune=now']):
        sh(c, cwd=L, env=genv)
    # the upper: a few changed lower files, new files, a new directory
    U = p.upper
    os.makedirs(U)
    nmod, nnew = max(5, args.files // 300), max(10, args.files // 150)
    for name in rng.sample(files, nmod):
        os.makedirs(os.path.join(U, os.path.dirname(name)), exist_ok=True)
        with open(os.path.join(L, name), 'rb') as f:
            data = f.read()
        with open(os.path.join(U, name), 'wb') as f:
            f.write(data + b'/* changed in the upper */\n')
    for i in range(nnew):
        d = dirs[rng.randrange(len(dirs))]
        os.makedirs(os.path.join(U, d), exist_ok=True)
        with open(os.path.join(U, d, 'new%04d.txt' % i), 'wb') as f:
            f.write(blob[i * 97:i * 97 + 500 + i])
    os.makedirs(os.path.join(U, 'newdir'))
    for i in range(20):
        with open(os.path.join(U, 'newdir', 'n%02d.txt' % i), 'w') as f:
            f.write('new %d\n' % i)
    set_times(U, FIXED_MTIME_UPPER)
    # rm -rf: whole top directories of the lower, about files/6 entries
    want = max(10, args.files // 6)
    count = {}
    for dp, dns, fns in os.walk(L):
        rel = os.path.relpath(dp, L)
        top = rel.split('/')[0]
        if top in tops:
            count[top] = count.get(top, 0) + 1 + len(fns)
    rm, got = [], 0
    for t in tops:
        if got >= want:
            break
        rm.append(t)
        got += count.get(t, 0)
    p.rm_targets, p.rm_entries = rm, got
    # tar x: 18% of files, 2/3 in a new tree, 1/3 new names in lower dirs
    ntar = max(10, int(args.files * 0.18))
    S = os.path.join(p.layers, 'tarstage')
    entries = []
    nnewtree = ntar * 2 // 3
    nsub = max(1, nnewtree // 45)
    entries.append('tx')
    for j in range(nsub):
        entries.append('tx/t%03d' % j)
    for i in range(ntar):
        if i < nnewtree:
            name = 'tx/t%03d/x%05d.txt' % (i % nsub, i)
        else:
            name = '%s/x%05d.txt' % (dirs[rng.randrange(len(dirs))], i)
        entries.append(name)
    for e in entries:
        full = os.path.join(S, e)
        if '.' in os.path.basename(e):
            os.makedirs(os.path.dirname(full), exist_ok=True)
            off = rng.randrange(len(blob) - 9000)
            with open(full, 'wb') as f:
                f.write(blob[off:off + rng.randint(0, 8000)])
        else:
            os.makedirs(full, exist_ok=True)
    set_times(S, FIXED_MTIME_UPPER)
    with open(os.path.join(p.layers, 'tarlist'), 'w') as f:
        f.write('\n'.join(entries) + '\n')
    sh(['tar', '--no-recursion', '-C', S, '-cf', p.tarball,
        '-T', os.path.join(p.layers, 'tarlist')])
    p.tar_files = [e for e in entries if '.' in os.path.basename(e)]
    rmtree(S)
    # copy-up: a lower of its own with one big file
    os.makedirs(p.biglower)
    block = bytearray(os.urandom(1 << 20))
    with open(os.path.join(p.biglower, 'big.bin'), 'wb') as f:
        for i in range(args.bigfile_mb):
            block[0:8] = i.to_bytes(8, 'little')
            f.write(block)
    p.big_size = args.bigfile_mb << 20
    os.makedirs(p.bigupper)
    # Touch, then free, the memory the copies will use: in a fresh VM the
    # first use of a page costs far more than any later use, and that would
    # land on whichever system runs first.
    for i in range(2):
        sh(['cp', os.path.join(p.biglower, 'big.bin'), os.path.join(p.layers, 'prefault')])
        os.unlink(os.path.join(p.layers, 'prefault'))
    p.lower_files = sum(len(fns) for _, _, fns in os.walk(L))
    p.lower_dirs = sum(1 for _ in os.walk(L))
    p.upper_files = sum(len(fns) for _, _, fns in os.walk(U))


# ---------------------------------------------------------------------------
# Systems

class Ctx:
    """One prepared view: root is where the workload runs; env its env."""

    def __init__(self, system, root, env, upper=None, cleanup=None):
        self.system, self.root, self.env = system, root, env
        self.upper, self._cleanup = upper, cleanup

    def close(self):
        if self._cleanup:
            self._cleanup()
            self._cleanup = None


MOUNTED = []


def umount(path, fuse):
    for _ in range(50):
        if fuse:
            r = subprocess.run([fuse, '-u', path], stderr=subprocess.DEVNULL)
        else:
            r = subprocess.run(['umount', path], stderr=subprocess.DEVNULL)
        if r.returncode == 0:
            break
        time.sleep(0.1)
    else:
        subprocess.run(['umount', '-l', path], stderr=subprocess.DEVNULL)
    if (path, fuse) in MOUNTED:
        MOUNTED.remove((path, fuse))


def wait_mounted(path):
    for _ in range(100):
        if os.path.ismount(path):
            return True
        time.sleep(0.02)
    return False


class Bench:
    def __init__(self, args):
        self.a = args
        self.slot = 0
        self.noop_lib = None

    # -- paths ----------------------------------------------------------
    def setup_paths(self):
        a = self.a
        base = os.path.join(a.tmpdir, 'libunion-bench.%d' % os.getpid())
        self.base = base
        self.layers = os.path.join(base, 'layers')
        self.lower = os.path.join(self.layers, 'lower')
        self.upper = os.path.join(self.layers, 'upper')
        self.biglower = os.path.join(self.layers, 'biglower')
        self.bigupper = os.path.join(self.layers, 'bigupper')
        self.tarball = os.path.join(self.layers, 'tarx.tar')
        self.work = os.path.join(base, 'work')
        self.out = os.path.join(base, 'out')
        self.home = os.path.join(base, 'home')
        for d in (self.layers, self.work, self.out, self.home):
            os.makedirs(d, exist_ok=True)
        self.env = {
            'PATH': '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
            'HOME': self.home, 'LC_ALL': 'C', 'TZ': 'UTC',
            'GIT_CONFIG_NOSYSTEM': '1', 'GIT_OPTIONAL_LOCKS': '1',
        }

    # -- availability ------------------------------------------------------
    def probe(self):
        """Which of the asked systems can run here; notes for the others."""
        self.notes, ok = [], []
        t = os.path.join(self.work, 'probe')
        lo, up, wk, mnt = (os.path.join(t, x) for x in ('lo', 'up', 'wk', 'mnt'))
        for d in (lo, up, wk, mnt):
            os.makedirs(d, exist_ok=True)
        with open(os.path.join(lo, 'f'), 'w') as f:
            f.write('x')
        root = os.geteuid() == 0
        fuse_dev = os.path.exists('/dev/fuse')
        for s in self.a.systems:
            why = None
            if s == 'native':
                pass
            elif s == 'noop-preload':
                if not self.noop_lib:
                    why = 'cannot build the empty shared object (cc missing?)'
            elif s == 'libunion':
                if not os.path.exists(self.lib):
                    why = 'library %s not built (run make)' % self.lib
                else:
                    env = dict(self.env, LD_PRELOAD=self.lib,
                               UNION_LAYERS='%s/v=%s:%s' % (t, up, lo))
                    r = subprocess.run(['cat', t + '/v/f'], env=env,
                                       capture_output=True)
                    if r.returncode != 0 or r.stdout != b'x':
                        why = 'library does not work: %s' % r.stderr.decode()[:200]
            elif s == 'kernel':
                if not root:
                    why = 'not root (mount -t overlay needs root)'
                else:
                    r = subprocess.run(['mount', '-t', 'overlay', 'overlay', '-o',
                                        'lowerdir=%s,upperdir=%s,workdir=%s' % (lo, up, wk), mnt],
                                       capture_output=True)
                    if r.returncode != 0:
                        why = 'mount -t overlay failed: %s' % r.stderr.decode().strip()
                    else:
                        umount(mnt, None)
            elif s == 'fuse-overlayfs':
                if not shutil.which('fuse-overlayfs'):
                    why = 'fuse-overlayfs not installed (apt-get install fuse-overlayfs)'
                elif not fuse_dev:
                    why = '/dev/fuse missing'
                else:
                    r = subprocess.run(['fuse-overlayfs', '-o',
                                        'lowerdir=%s,upperdir=%s,workdir=%s' % (lo, up, wk), mnt],
                                       capture_output=True)
                    if r.returncode != 0 or not wait_mounted(mnt):
                        why = 'fuse-overlayfs failed: %s' % r.stderr.decode().strip()
                    else:
                        umount(mnt, self.fusermount3)
            elif s == 'unionfs-fuse':
                exe = shutil.which('unionfs-fuse') or shutil.which('unionfs')
                if not exe:
                    why = 'unionfs-fuse not installed (apt-get install unionfs-fuse)'
                elif not fuse_dev:
                    why = '/dev/fuse missing'
                else:
                    self.unionfs = exe
                    r = subprocess.run([exe, '-o', 'cow,hide_meta_files',
                                        '%s=RW:%s=RO' % (up, lo), mnt],
                                       capture_output=True)
                    if r.returncode != 0 or not wait_mounted(mnt):
                        why = 'unionfs-fuse failed: %s' % r.stderr.decode().strip()
                    else:
                        umount(mnt, self.fusermount)
            if why:
                self.notes.append('%s skipped: %s' % (s, why))
            else:
                ok.append(s)
        rmtree(t)
        return ok

    # -- views -------------------------------------------------------------
    def prepare(self, system, layer, fresh):
        """A view of layer ('main' or 'big') for system.

        fresh: None (shared, read-only), 'read' or 'write': each view gets its
        own copy of the upper; for 'write' native also gets its own tree."""
        self.slot += 1
        d = os.path.join(self.work, '%s-%d' % (system, self.slot))
        os.makedirs(d)
        lower = self.lower if layer == 'main' else self.biglower
        upsrc = self.upper if layer == 'main' else self.bigupper
        env = dict(self.env)

        def clean(extra=None):
            def f():
                if extra:
                    extra()
                rmtree(d)
            return f

        if system == 'noop-preload':
            env['LD_PRELOAD'] = self.noop_lib
        if system in ('native', 'noop-preload'):
            if layer == 'main' and fresh != 'write':
                return Ctx(system, self.native_base, env, cleanup=clean())
            root = os.path.join(d, 'tree')
            if layer == 'main':
                cp_tree(self.native_base, root)
            else:
                os.makedirs(root)    # the workload copies the big file in
            return Ctx(system, root, env, cleanup=clean())
        upper = os.path.join(d, 'upper')
        cp_tree(upsrc, upper)
        if system == 'libunion':
            root = os.path.join(d, 'view')        # does not exist on disk
            env['LD_PRELOAD'] = self.lib
            env['UNION_LAYERS'] = '%s=%s:%s' % (root, upper, lower)
            return Ctx(system, root, env, upper=upper, cleanup=clean())
        mnt = os.path.join(d, 'mnt')
        wk = os.path.join(d, 'wk')
        os.makedirs(mnt)
        os.makedirs(wk)
        opts = 'lowerdir=%s,upperdir=%s,workdir=%s' % (lower, upper, wk)
        if system == 'kernel':
            sh(['mount', '-t', 'overlay', 'overlay', '-o', opts, mnt], capture_output=True)
            fuse = None
        elif system == 'fuse-overlayfs':
            sh(['fuse-overlayfs', '-o', opts, mnt], capture_output=True)
            fuse = self.fusermount3
        elif system == 'unionfs-fuse':
            sh([self.unionfs, '-o', 'cow,hide_meta_files',
                '%s=RW:%s=RO' % (upper, lower), mnt], capture_output=True)
            fuse = self.fusermount
        MOUNTED.append((mnt, fuse))
        if not wait_mounted(mnt):
            raise RuntimeError('%s: %s did not mount' % (system, mnt))
        return Ctx(system, mnt, env, upper=upper,
                   cleanup=clean(lambda: umount(mnt, fuse)))

    # -- running -------------------------------------------------------------
    def run(self, ctx, script, tag, timed=True):
        """bash -c 'cd ROOT && script' in ctx; returns (seconds, rc, outfile)."""
        out = os.path.join(self.out, '%s.%s.out' % (ctx.system, tag))
        err = os.path.join(self.out, '%s.%s.err' % (ctx.system, tag))
        full = 'cd "$BENCH_ROOT" || exit 99\n' + script
        env = dict(ctx.env, BENCH_ROOT=ctx.root)
        with open(out, 'wb') as fo, open(err, 'wb') as fe:
            ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            # No subprocess timeout: Popen.wait(timeout) polls with sleeps
            # that double up to 50 ms, which rounded every time up to
            # 15.5, 31.5, 63.5 ms...  A timer kills a hung run instead and
            # the wait blocks in waitpid.
            t0 = time.perf_counter()
            p = subprocess.Popen(['bash', '-c', full], env=env, stdout=fo,
                                 stderr=fe, stdin=subprocess.DEVNULL)
            timer = threading.Timer(TIMEOUT, p.kill)
            timer.start()
            rc = p.wait()
            t = time.perf_counter() - t0
            if not timer.is_alive():
                rc = 'timeout'
            timer.cancel()
            ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        # CPU time of the process tree (a FUSE daemon's is not in it)
        self.last_cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
        return t, rc, out, err


# ---------------------------------------------------------------------------
# Workloads: (name, label, layer, fresh, warmup, script(b, ctx), verify)
# script returns a bash script; verify(b, ctx, outfile) returns canonical text.

LISTING = ("find . \\( -type d -printf 'd %m %P\\n' \\) -o "
           "-printf '%y %m %s %P\\n' | LC_ALL=C sort\n")


def canon_sorted(path):
    with open(path, 'rb') as f:
        return b''.join(sorted(f.read().splitlines(True))).decode('utf-8', 'replace')


def canon_raw(path):
    with open(path, 'rb') as f:
        return f.read().decode('utf-8', 'replace')


def verify_listing(b, ctx, extra=''):
    """The merged tree, seen through the same system, after the workload."""
    t, rc, out, err = b.run(ctx, LISTING + extra, 'verify', timed=False)
    if rc != 0:
        return 'verification command failed: rc=%s %s' % (rc, open(err).read()[-300:])
    return canon_raw(out)


def w_findf(b, ctx):
    return 'find . -type f\n'


def w_findprintf(b, ctx):
    return "find . -printf '%y %s %P\\n'\n"


def v_findprintf(b, ctx, out):
    lines = []
    with open(out, 'rb') as f:
        for ln in f.read().decode('utf-8', 'replace').splitlines():
            y, s, pth = ln.split(' ', 2) if ln.count(' ') >= 2 else (ln, '', '')
            lines.append('%s %s %s' % (y, '-' if y == 'd' else s, pth))
    return '\n'.join(sorted(lines))


def w_tarc(b, ctx):
    # never --file=/dev/null: GNU tar then skips reading the contents
    return 'set -o pipefail\ntar --sort=name -cf - . | cksum\n'


def w_git(b, ctx):
    return 'git status --porcelain\n'


def w_true(b, ctx):
    return ('for i in $(seq %d); do /bin/true || exit 1; done; echo ok\n' % b.a.execs)


def w_lowerbin(b, ctx):
    return ('n=0; for i in $(seq %d); do ./bin/hello >/dev/null || exit 1; '
            'n=$((n+1)); done; echo $n; ./bin/hello\n' % b.a.execs)


def w_tarx(b, ctx):
    return 'tar -xf "%s"\n' % b.tarball


def v_tarx(b, ctx, out):
    lst = os.path.join(b.layers, 'tarfiles')
    return verify_listing(b, ctx, 'xargs -d "\\n" -a "%s" cat -- | cksum\n' % lst)


def w_make(b, ctx):
    return 'make -s -j2 -C src\n'


def v_make(b, ctx, out):
    return verify_listing(b, ctx, './src/prog && md5sum src/*.o\n')


def w_make32(b, ctx):
    return 'make -s -j32 -C src32\n'


def v_make32(b, ctx, out):
    return verify_listing(b, ctx, './src32/prog && md5sum src32/*.o\n')


def w_rm(b, ctx):
    return 'rm -rf %s\n' % ' '.join(b.rm_targets)


def v_tree(b, ctx, out):
    return verify_listing(b, ctx)


def w_copyup(b, ctx):
    if ctx.system in ('native', 'noop-preload'):
        # what a copy-up does, with a plain cp on the same file system: copy
        # the lower file, change the copy, rename it into place
        return ('cp "%s/big.bin" .big.tmp && printf x >> .big.tmp && '
                'mv .big.tmp big.bin\n' % b.biglower)
    return 'printf x >> big.bin\n'


def w_stat_outside(b, ctx):
    # a stat per file, every name outside every MERGED (the union is
    # configured, its view elsewhere), from a cwd outside too
    return "cd / && find /usr -printf '%s\\n' >/dev/null\n"


def v_stat_outside(b, ctx, out):
    """What find saw, through the same system (not timed)."""
    t, rc, o, err = b.run(ctx, "cd / && find /usr -printf '%s %p\\n' | cksum\n",
                          'verify', timed=False)
    if rc != 0:
        return 'verification failed: rc=%s %s' % (rc, open(err).read()[-300:])
    return canon_raw(o)


def v_copyup(b, ctx, out):
    sz = b.big_size + 1
    mib = 1 << 20
    script = 'stat -c %s big.bin\n'
    for off in (0, (sz // 2) // mib * mib, sz - mib):
        script += ('tail -c +%d big.bin | head -c %d | md5sum\n' % (off + 1, mib))
    t, rc, o, err = b.run(ctx, script, 'verify', timed=False)
    if rc != 0:
        return 'verification failed: rc=%s %s' % (rc, open(err).read()[-300:])
    text = canon_raw(o)
    if ctx.upper is not None:
        up = os.path.join(ctx.upper, 'big.bin')
        text += 'upper: %s\n' % (os.path.getsize(up) if os.path.exists(up) else 'missing')
    else:
        text += 'upper: %d\n' % sz
    return text


WORKLOADS = [
    # name, label, layer, fresh, warmup, script, verify
    #   fresh: each run on a fresh copy of the upper (a fresh mount); for
    #          'write' also a fresh copy of native's tree (which the
    #          workload changes); native's tree is otherwise shared
    #   warmup: 'all' - one untimed run before the timed one, every system;
    #           'native' - native only (git's index refreshed for its inodes)
    ('find-type-f', 'find -type f', 'main', None, None, w_findf,
     lambda b, c, o: canon_sorted(o)),
    ('find-printf-s', 'find -printf %s (a stat per file)', 'main', None, None,
     w_findprintf, v_findprintf),
    ('tar-c', 'tar c of the whole tree', 'main', None, None, w_tarc,
     lambda b, c, o: canon_raw(o)),
    ('true-500', '{execs} x /bin/true', 'main', None, None, w_true,
     lambda b, c, o: canon_raw(o)),
    ('lowerbin-500', '{execs} x a binary in the lower', 'main', None, None,
     w_lowerbin, lambda b, c, o: canon_raw(o)),
    ('git-status-warm', 'git status, warm', 'main', 'read', 'all', w_git,
     lambda b, c, o: canon_sorted(o)),
    ('git-status-fresh', 'git status, fresh upper', 'main', 'read', 'native',
     w_git, lambda b, c, o: canon_sorted(o)),
    ('tar-x', 'tar x of {ntar} files into the view', 'main', 'write', None,
     w_tarx, v_tarx),
    ('make-j2', 'make -j2, 100 C files in the lower', 'main', 'write', None,
     w_make, v_make),
    ('make-j32', 'make -j32, 200 C files in the lower', 'main', 'write', None,
     w_make32, v_make32),
    ('rm-rf', 'rm -rf of {nrm} lower entries', 'main', 'write', None, w_rm,
     v_tree),
    ('copy-up', 'copy-up of a {big} MiB file (throughput)', 'big', 'write',
     None, w_copyup, v_copyup),
    ('stat-outside', "find /usr -printf '%s\\n', outside every MERGED", 'main',
     None, None, w_stat_outside, v_stat_outside),
]


# ---------------------------------------------------------------------------

def fmt_ratio(x):
    if x is None:
        return '-'
    return '%.2f' % x if x < 10 else '%.1f' % x if x < 100 else '%.0f' % x


def fmt_time(t):
    if t >= 10:
        return '%.1fs' % t
    if t >= 1:
        return '%.2fs' % t
    return '%.0fms' % (t * 1000) if t >= 0.1 else '%.1fms' % (t * 1000)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--scale', choices=SCALES, default='medium')
    ap.add_argument('--files', type=int)
    ap.add_argument('--dirs', type=int)
    ap.add_argument('--bigfile-mb', type=int)
    ap.add_argument('--execs', type=int, default=500,
                    help='execs in the /bin/true and lower-binary loops')
    ap.add_argument('--runs', type=int, default=5)
    ap.add_argument('--systems', default=','.join(ALL_SYSTEMS))
    ap.add_argument('--workloads', default='all',
                    help='comma-separated names (default all): ' +
                    ','.join(w[0] for w in WORKLOADS))
    ap.add_argument('--tmpdir', default='auto',
                    help='where the layers go (default: as root, a private tmpfs '
                    'mounted for the run; otherwise /dev/shm); give a directory on '
                    'disk (e.g. /var/tmp) to measure on disk')
    ap.add_argument('--tsv', help='write the per-run and median figures here')
    ap.add_argument('--lib', default=os.path.join(TOP, 'preload', '.libs', 'libunion.so'))
    ap.add_argument('--keep', action='store_true', help='keep the scratch tree')
    ap.add_argument('--strace', action='store_true',
                    help='instead of timing: strace -c -f native, libunion and the kernel overlay '
                    'once per workload and compare syscall counts')
    a = ap.parse_args()
    sc = SCALES[a.scale]
    a.files = a.files or sc['files']
    a.dirs = a.dirs or sc['dirs']
    a.bigfile_mb = a.bigfile_mb or sc['bigfile_mb']
    a.systems = [s.strip() for s in a.systems.split(',') if s.strip()]
    for s in a.systems:
        if s not in ALL_SYSTEMS:
            ap.error('unknown system %s (known: %s)' % (s, ','.join(ALL_SYSTEMS)))
    if 'native' not in a.systems:
        a.systems.insert(0, 'native')
    if a.workloads == 'all':
        wls = WORKLOADS
    else:
        names = a.workloads.split(',')
        wls = [w for w in WORKLOADS if w[0] in names]
        bad = set(names) - set(w[0] for w in WORKLOADS)
        if bad:
            ap.error('unknown workload(s): %s' % ','.join(sorted(bad)))
    a.private_tmpfs = None
    if a.tmpdir == 'auto':
        if os.geteuid() == 0:
            d = tempfile.mkdtemp(prefix='libunion-bench-tmpfs.', dir='/tmp')
            r = subprocess.run(['mount', '-t', 'tmpfs', '-o', 'mode=0755', 'bench-tmpfs', d],
                               capture_output=True)
            if r.returncode == 0:
                a.private_tmpfs = d
                a.tmpdir = d
            else:
                os.rmdir(d)
                a.tmpdir = '/dev/shm'
        else:
            a.tmpdir = '/dev/shm'
    a.tmpdir = os.path.abspath(a.tmpdir)
    for ch in '\\:;=,':
        if ch in a.tmpdir:
            ap.error('--tmpdir must not contain %r' % ch)

    b = Bench(a)
    b.fusermount3 = shutil.which('fusermount3') or 'fusermount3'
    b.fusermount = shutil.which('fusermount') or b.fusermount3
    b.unionfs = shutil.which('unionfs-fuse') or shutil.which('unionfs') or 'unionfs'
    b.setup_paths()

    def on_signal(sig, frm):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_signal)
    try:
        return bench_main(a, b, wls)
    finally:
        for mnt, fuse in list(MOUNTED):
            umount(mnt, fuse)
        if not a.keep:
            rmtree(b.base)
            if a.private_tmpfs:
                subprocess.run(['umount', a.private_tmpfs])
                os.rmdir(a.private_tmpfs)
        else:
            log('scratch tree kept in', b.base)


def bench_main(a, b, wls):
    t_start = time.time()
    # snapshot the library: others may rebuild it while we run
    if os.path.exists(a.lib):
        b.lib = os.path.join(b.base, 'libunion.so')
        shutil.copy2(a.lib, b.lib)
        with open(a.lib, 'rb') as f:
            lib_id = '%s (sha256 %s, built %s)' % (
                a.lib, hashlib.sha256(f.read()).hexdigest()[:12],
                datetime.datetime.fromtimestamp(os.path.getmtime(a.lib)).strftime('%Y-%m-%d %H:%M'))
    else:
        b.lib, lib_id = a.lib, a.lib + ' (missing)'
    # the no-op preload: an empty shared object
    b.noop_lib = os.path.join(b.base, 'noop.so')
    src = os.path.join(b.base, 'noop.c')
    with open(src, 'w') as f:
        f.write('/* nothing: what loading any preloaded object costs */\n')
    if subprocess.run(['cc', '-shared', '-fPIC', '-o', b.noop_lib, src],
                      capture_output=True).returncode != 0:
        b.noop_lib = None
    systems = b.probe()
    for n in b.notes:
        log('note:', n)
    fstype = subprocess.run(['stat', '-f', '-c', '%T', a.tmpdir],
                            capture_output=True, text=True).stdout.strip()
    log('generating layers in %s (%s): %d files, %d dirs, %d MiB big file'
        % (b.layers, fstype, a.files, a.dirs, a.bigfile_mb))
    t0 = time.time()
    generate(b, a)
    with open(os.path.join(b.layers, 'tarfiles'), 'w') as f:
        f.write('\n'.join(sorted(b.tar_files)) + '\n')
    # native: the merged view as a plain tree (lower, then upper over it)
    b.native_base = os.path.join(b.work, 'native-base')
    cp_tree(b.lower, b.native_base)
    cp_tree(b.upper, b.native_base)
    lower_digest = lower_state(b)
    log('layers ready in %.1fs: lower %d files in %d dirs (+ .git), upper %d files; '
        'rm -rf of %d entries (%s)' % (time.time() - t0, b.lower_files, b.lower_dirs,
                                       b.upper_files, b.rm_entries, ' '.join(b.rm_targets)))
    subst = dict(ntar=len(b.tar_files), nrm=b.rm_entries, big=a.bigfile_mb, execs=a.execs)

    if a.strace:
        return strace_main(a, b, wls, systems)

    load0 = open('/proc/loadavg').read().split()[:3]
    results = {}     # (wl, sys) -> list of seconds
    cpus = {}        # (wl, sys) -> list of CPU seconds of the process tree
    status = {}      # (wl, sys) -> list of problems
    failnotes = []
    rows = []
    shared = {}
    try:
        for wl in wls:
            name, label, layer, fresh, warmup, script, verify = wl
            log('== %s' % name)
            if not fresh and not shared:
                for s in systems:
                    shared[s] = b.prepare(s, 'main', False)
            if fresh and shared:
                for c in shared.values():
                    c.close()
                shared.clear()
            for run in range(a.runs):
                # interleaved, and the order rotated from run to run so that
                # no system always runs right after another one
                k = run % len(systems)
                order = systems[k:] + systems[:k]
                got = {}
                for s in order:
                    ctx = shared[s] if not fresh else b.prepare(s, layer, fresh)
                    try:
                        scr = script(b, ctx)
                        if warmup == 'all' or (warmup == 'native' and s == 'native'):
                            b.run(ctx, scr, 'warmup')
                        t, rc, out, err = b.run(ctx, scr, 'run')
                        cpu = b.last_cpu
                        if rc != 0:
                            got[s] = (t, None, 'exit status %s: %s' % (
                                rc, open(err, errors='replace').read()[-400:].strip()), cpu)
                        else:
                            got[s] = (t, verify(b, ctx, out), None, cpu)
                    finally:
                        if fresh:
                            ctx.close()
                ref = got['native'][1]
                line = []
                for s in systems:
                    t, canon, problem, cpu = got[s]
                    if problem is None and s != 'native' and canon != ref:
                        problem = 'result differs from native'
                        d = list(difflib.unified_diff(
                            (ref or '').splitlines(), (canon or '').splitlines(),
                            'native', s, n=0, lineterm=''))
                        problem += ' (%d diff lines):\n      ' % len(d) + \
                            '\n      '.join(d[2:14])
                    results.setdefault((name, s), []).append(t)
                    cpus.setdefault((name, s), []).append(cpu)
                    if problem:
                        status.setdefault((name, s), []).append(problem)
                        failnotes.append(((name, s), '%s run %d %s: %s' % (name, run + 1, s, problem)))
                    rows.append((name, s, str(run + 1), '%.6f' % t,
                                 'FAIL' if problem else 'ok', '', '%.4f' % cpu))
                    line.append('%s %s%s' % (s, fmt_time(t), ' FAIL' if problem else ''))
                log('  run %d: %s' % (run + 1, ', '.join(line)))
        for c in shared.values():
            c.close()
        shared.clear()
    finally:
        for c in shared.values():
            c.close()
    lower_ok = lower_state(b) == lower_digest

    # ---- the table
    t_total = time.time() - t_start
    kern = platform.release()
    machine = '%s, %d cores (%s), %s GiB RAM, kernel %s, %s on %s' % (
        platform.node(), os.cpu_count(), cpu_model(),
        mem_gib(), kern, a.tmpdir, fstype)
    cmd = ' '.join(['bench/run.sh'] + sys.argv[1:])
    print()
    print('libunion benchmark, %s' % datetime.datetime.now().strftime('%Y-%m-%d %H:%M %Z').strip())
    print('machine: %s' % machine)
    print('layers: lower %d files in %d dirs (a git repo, packed), upper %d files; '
          'big file %d MiB' % (b.lower_files, b.lower_dirs, b.upper_files, a.bigfile_mb))
    print('library: %s' % lib_id)
    print('command: %s' % cmd)
    print('medians of %d interleaved runs; ratio = time / native time '
          '(copy-up: throughput / plain-copy throughput, higher is better)' % a.runs)
    for n in b.notes:
        print('note: %s' % n)
    print()
    hdr = ['workload', 'native'] + [s for s in systems if s != 'native'] + ['target']
    table = []
    tsv_med = []
    for wl in wls:
        name, label = wl[0], wl[1].format(**subst)
        nat = results.get((name, 'native'))
        nmed = statistics.median(nat) if nat else None
        cells = []
        for s in systems:
            ts = results.get((name, s))
            if not ts:
                cells.append('-')
                continue
            med = statistics.median(ts)
            bad = status.get((name, s))
            if name == 'copy-up':
                mbs = a.bigfile_mb / med
                ratio = (nmed / med) if nmed else None
                txt = '%.0f MB/s' % mbs
            else:
                ratio = (med / nmed) if nmed else None
                txt = fmt_time(med)
            if s != 'native':
                txt = '%s %s' % (fmt_ratio(ratio), '(%s)' % txt)
            if bad:
                txt = 'FAIL%s %s' % ('' if len(bad) == len(ts) else '(%d/%d)' % (len(bad), len(ts)), txt)
            cells.append(txt)
            tsv_med.append((name, s, 'median', '%.6f' % med,
                            'FAIL' if bad else 'ok', '%.4f' % ratio if ratio else '',
                            '%.4f' % statistics.median(cpus[(name, s)])))
        table.append([label] + cells + [TARGETS.get(name, '')])
    widths = [max(len(r[i]) for r in [hdr] + table) for i in range(len(hdr))]
    print('| ' + ' | '.join(h.ljust(w) for h, w in zip(hdr, widths)) + ' |')
    print('|' + '|'.join('-' * (w + 2) for w in widths) + '|')
    for r in table:
        print('| ' + ' | '.join(c.ljust(w) for c, w in zip(r, widths)) + ' |')
    print()
    if 'noop-preload' in systems and 'libunion' in systems:
        print('libunion against the no-op preload (time ratio of medians; the exec '
              'rows\' target is <= 1.05):')
        for wl in wls:
            name = wl[0]
            ln, nn = results.get((name, 'libunion')), results.get((name, 'noop-preload'))
            if not ln or not nn:
                continue
            lm, nm = statistics.median(ln), statistics.median(nn)
            lc = statistics.median(cpus[(name, 'libunion')])
            nc = statistics.median(cpus[(name, 'noop-preload')])
            r = nm / lm if name == 'copy-up' else lm / nm
            print('  %-18s %s (CPU %s)' % (name, fmt_ratio(r),
                                          fmt_ratio(lc / nc) if nc > 0 else '-'))
        print()
    csys = [s for s in systems if s in ('native', 'noop-preload', 'libunion', 'kernel')]
    if len(csys) > 1:
        print('CPU time of the process tree (user+sys, medians; a FUSE daemon\'s CPU is '
              'not in it, so only these): ratio to native')
        for wl in wls:
            name = wl[0]
            if not cpus.get((name, 'native')):
                continue
            cn = statistics.median(cpus[(name, 'native')])
            cells = []
            for s in csys:
                c = statistics.median(cpus[(name, s)])
                cells.append('%s %s' % (s, fmt_time(c)) if s == 'native' else
                             '%s %s' % (s, fmt_ratio(c / cn) if cn > 0 else '-'))
            print('  %-18s %s' % (name, ', '.join(cells)))
        print()
    print('load average before/after: %s / %s' % (' '.join(load0),
          ' '.join(open('/proc/loadavg').read().split()[:3])))
    print('lowers unchanged after all runs: %s' % ('yes' if lower_ok else 'NO - a system modified the lower!'))
    print('total time %.0fs' % t_total)
    if failnotes:
        print()
        print('failures (%d):' % len(failnotes))
        seen = set()
        for key, n in failnotes:
            if key in seen:
                continue
            seen.add(key)
            print('  ' + n)
    if a.tsv:
        with open(a.tsv, 'w') as f:
            f.write('# %s\n# %s\n# %s\n' % (machine, cmd, lib_id))
            f.write('workload\tsystem\trun\tseconds\tstatus\tratio\tcpu_seconds\n')
            for r in rows:
                f.write('\t'.join(r) + '\n')
            for r in tsv_med:
                f.write('\t'.join(r) + '\n')
        log('TSV written to', a.tsv)
    return 1 if failnotes or not lower_ok else 0


def lower_state(b):
    r = subprocess.run("find . -printf '%y %m %s %T@ %P\\n' | LC_ALL=C sort | md5sum",
                       shell=True, cwd=b.layers, capture_output=True, text=True)
    return r.stdout


def cpu_model():
    try:
        with open('/proc/cpuinfo') as f:
            for ln in f:
                if ln.startswith('model name'):
                    return ln.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def mem_gib():
    try:
        with open('/proc/meminfo') as f:
            return '%.0f' % (int(f.readline().split()[1]) / 1048576)
    except OSError:
        return '?'


def parse_strace(path):
    """strace -c output -> {syscall: (calls, errors, seconds)}."""
    res = {}
    with open(path) as f:
        for ln in f:
            parts = ln.split()
            if len(parts) < 5 or not parts[0][0].isdigit():
                continue
            try:
                secs = float(parts[1])
                calls = int(parts[3])
            except ValueError:
                continue
            if len(parts) == 6:
                errs, sc = int(parts[4]), parts[5]
            else:
                errs, sc = 0, parts[4]
            if sc == 'total':
                continue
            res[sc] = (calls, errs, secs)
    return res


def strace_main(a, b, wls, systems):
    """strace -c -f the native, libunion and kernel overlay runs of each
    workload, once (the kernel's where it can be mounted here: issue 13
    asks for the union's calls against the kernel mount's)."""
    if not shutil.which('strace'):
        log('strace not installed')
        return 2
    traced = [s for s in ('native', 'libunion', 'kernel')
              if s == 'native' or s in systems]
    for wl in wls:
        name, label, layer, fresh, warmup, script, verify = wl
        counts = {}
        for s in traced:
            ctx = b.prepare(s, layer, fresh or "read")
            try:
                scr = script(b, ctx)
                if warmup == 'all' or (warmup == 'native' and s == 'native'):
                    b.run(ctx, scr, 'warmup')
                sfile = os.path.join(b.out, '%s.%s.strace' % (name, s))
                envs = ['%s=%s' % (k, v) for k, v in ctx.env.items()]
                full = 'cd "$BENCH_ROOT" || exit 99\n' + scr
                # strace itself runs without the library; only bash and its
                # children get LD_PRELOAD, through env
                r = subprocess.run(['strace', '-f', '-c', '-o', sfile, 'env', '-i'] +
                                   envs + ['BENCH_ROOT=' + ctx.root, 'bash', '-c', full],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                counts[s] = parse_strace(sfile)
            finally:
                ctx.close()
        tot = {s: sum(v[0] for v in counts[s].values()) for s in traced}
        print('== %s: syscalls %s' % (name, ', '.join(
            '%s %d' % (s, tot[s]) for s in traced)) +
            ' (libunion x%.2f native%s)' % (
                tot['libunion'] / max(1, tot['native']),
                ', x%.2f kernel' % (tot['libunion'] / max(1, tot['kernel']))
                if 'kernel' in tot else ''))
        lib = counts['libunion']
        names = sorted(set().union(*counts.values()),
                       key=lambda k: -(lib.get(k, (0,))[0]))
        print('   %-18s' % 'syscall' + ''.join('%10s' % s[:9] for s in traced) +
              '%8s' % 'ratio' + ''.join('%10s' % (s[:4] + '.err') for s in traced))
        for k in names[:18]:
            row = [counts[s].get(k, (0, 0, 0)) for s in traced]
            n = row[0][0]
            print('   %-18s' % k + ''.join('%10d' % c[0] for c in row) +
                  '%8s' % (('x%.2f' % (lib.get(k, (0,))[0] / n)) if n else 'new') +
                  ''.join('%10d' % c[1] for c in row))
        sys.stdout.flush()
    return 0


if __name__ == '__main__':
    sys.exit(main())
