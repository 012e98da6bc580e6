#!/usr/bin/env python3
"""libunion micro-benchmarks: the per-call cost (runs bench/micro.c).

  - stat, open+close and readdir of a 10k-entry directory on a path outside
    every MERGED (the cost every process pays), with and without the
    library, with and without UNION_LAYERS;
  - the same calls under MERGED on a lower file (also 5 directories deep),
    an upper file and a missing name, against the same call made directly
    on the layer that holds the answer;
  - the constructor's cost per exec (1000 fork+exec of a tiny program);
  - the whiteout lookup with 10, 10k and 100k records in the table;
  - the memory a process gains from the library;
  - a stat-heavy program (find -printf %s) outside every MERGED.

Prints ns/call medians and ratios.  Accepts bench.py's options and ignores
those it has no use for.
"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)


def log(*a):
    print(*a, file=sys.stderr, flush=True)


class M:
    def __init__(self, a):
        self.a = a
        self.base = os.path.join(a.tmpdir, 'libunion-micro.%d' % os.getpid())
        os.makedirs(self.base)
        self.bin = os.path.join(self.base, 'micro')
        subprocess.run(['cc', '-O2', '-Wall', '-o', self.bin,
                        os.path.join(HERE, 'micro.c')], check=True)
        self.lib = os.path.join(self.base, 'libunion.so')
        shutil.copy2(a.lib, self.lib)
        # an empty shared object: what any preload costs
        self.noop = os.path.join(self.base, 'noop.so')
        with open(self.noop + '.c', 'w') as f:
            f.write('/* nothing */\n')
        subprocess.run(['cc', '-shared', '-fPIC', '-o', self.noop, self.noop + '.c'],
                       check=True)
        self.env0 = {'PATH': '/usr/bin:/bin', 'LC_ALL': 'C'}

    def p(self, *parts):
        return os.path.join(self.base, *parts)

    def env(self, kind, upper=None):
        """bare: no library; unset: library, no UNION_LAYERS; set: the union."""
        e = dict(self.env0)
        if kind == 'noop':
            e['LD_PRELOAD'] = self.noop
        elif kind != 'bare':
            e['LD_PRELOAD'] = self.lib
        if kind == 'set':
            e['UNION_LAYERS'] = '%s=%s:%s' % (self.view, upper or self.upper,
                                              self.lower)
        return e

    def micro(self, env, *args, cwd=None):
        """Run micro; returns the fields of its line (median of a.reps runs
        for timed modes).  cwd: a directory to run it in, entered by a
        shell under env (a merged one exists only through the library)."""
        vals = []
        cmd = [self.bin] + [str(x) for x in args]
        if cwd:
            cmd = ['sh', '-c', 'cd "$0" && exec "$@"', cwd] + cmd
        for _ in range(self.a.reps):
            r = subprocess.run(cmd, env=env, capture_output=True, text=True)
            if r.returncode != 0:
                raise RuntimeError('micro %s failed: %s' % (args, r.stderr))
            f = r.stdout.split()
            vals.append(f)
        ns = statistics.median(float(f[1]) for f in vals)
        return ns, vals[-1]


def setup(m):
    def mk(path, data='x'):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(data)

    def bigdir(path, n, prefix='e'):
        os.makedirs(path, exist_ok=True)
        for i in range(n):
            mk(os.path.join(path, '%s%05d' % (prefix, i)))

    m.outside = m.p('outside')
    m.lower = m.p('lower')
    m.upper = m.p('upper')
    m.view = m.p('view')                # does not exist on disk
    mk(m.p('outside', 'file'))
    bigdir(m.p('outside', 'big'), 10000)
    mk(m.p('lower', 'file'))
    mk(m.p('lower', 'a', 'b', 'c', 'd', 'e', 'file'))
    mk(m.p('lower', 'wfile'))
    bigdir(m.p('lower', 'big'), 10000)
    bigdir(m.p('lower', 'both'), 10000)
    mk(m.p('upper', 'ufile'))
    bigdir(m.p('upper', 'both'), 10, 'u')
    # a tree outside every MERGED for the stat-heavy program
    for d in range(100):
        bigdir(m.p('outside', 'tree', 'd%02d' % d), 100)
    # whiteout tables: N records, one of them hides lower/wfile
    m.wt_uppers = {}
    for n in (10, 10000, 100000):
        up = m.p('upper-wt%d' % n)
        os.makedirs(os.path.join(up, '.union'))
        with open(os.path.join(up, '.union', 'whiteouts'), 'w') as f:
            f.write('libunion-whiteouts 1\nw wfile\n')
            for i in range(n - 1):
                f.write('w gone/g%03d/f%06d\n' % (i % 1000, i))
        m.wt_uppers[n] = up


SECTIONS = ('outside', 'union', 'lookup', 'exec', 'whiteouts', 'memory',
            'program')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--tmpdir', default='/dev/shm')
    ap.add_argument('--lib', default=os.path.join(TOP, 'preload', '.libs', 'libunion.so'))
    ap.add_argument('--calls', type=int, default=200000,
                    help='calls per stat/open measurement (readdir: /200)')
    ap.add_argument('--execs', type=int, default=1000)
    ap.add_argument('--reps', type=int, default=3,
                    help='runs of each measurement (the median is shown)')
    ap.add_argument('--tsv')
    ap.add_argument('--keep', action='store_true')
    ap.add_argument('--sections', default=','.join(SECTIONS),
                    help='which to run, of %s (all)' % ','.join(SECTIONS))
    a, _ = ap.parse_known_args()
    if a.tmpdir == 'auto':
        a.tmpdir = '/dev/shm'
    a.tmpdir = os.path.abspath(a.tmpdir)
    a.sections = set(a.sections.split(','))
    if a.sections - set(SECTIONS):
        log('micro: unknown sections: %s' % ','.join(a.sections - set(SECTIONS)))
        return 2
    if not os.path.exists(a.lib):
        log('micro: %s not built' % a.lib)
        return 2
    m = M(a)
    try:
        return run(m, a)
    finally:
        if not a.keep:
            shutil.rmtree(m.base, ignore_errors=True)


def run(m, a):
    setup(m)
    rows = []    # (section, case, base label, base ns, lib label, lib ns, note)
    N, ND = a.calls, max(50, a.calls // 200)
    bare, unset, lset = m.env('bare'), m.env('unset'), m.env('set')

    def row(section, case, base, lib, unit='ns', note=''):
        rows.append((section, case, base, lib, unit, note))

    def errno_note(f, want):
        return '' if int(f[3]) == want else ' (errno %s, expected %d!)' % (f[3], want)

    on = a.sections
    if 'outside' in on:
        log('micro: outside every MERGED')
        for op, path, n in (('stat', m.p('outside', 'file'), N),
                            ('open', m.p('outside', 'file'), N),
                            ('readdir', m.p('outside', 'big'), ND)):
            b, _ = m.micro(bare, op, path, n)
            u, _ = m.micro(unset, op, path, n)
            s, f = m.micro(lset, op, path, n)
            label = op + '+close' if op == 'open' else op + (' (10k entries)' if op == 'readdir' else '')
            row('outside', label + ', library without UNION_LAYERS', b, u)
            row('outside', label + ', library with UNION_LAYERS', b, s, note=errno_note(f, 0))

    if 'union' in on:
        log('micro: under MERGED')
        cases = [
            ('lower file', m.p('view', 'file'), m.p('lower', 'file'), 0),
            ('lower file 5 dirs deep', m.p('view', 'a/b/c/d/e/file'),
             m.p('lower', 'a/b/c/d/e/file'), 0),
            ('upper file', m.p('view', 'ufile'), m.p('upper', 'ufile'), 0),
            ('missing name', m.p('view', 'nope'), m.p('lower', 'nope'), 2),
        ]
        for op in ('stat', 'open'):
            for name, vpath, dpath, want in cases:
                b, _ = m.micro(bare, op, dpath, N)
                s, f = m.micro(lset, op, vpath, N)
                row('union', '%s, %s (vs the same call on the layer)' %
                    (op + '+close' if op == 'open' else op, name), b, s,
                    note=errno_note(f, want))
        for name, vpath, dpath in (
                ('readdir, 10k entries in the lower only', m.p('view', 'big'), m.p('lower', 'big')),
                ('readdir, 10k lower + 10 upper entries', m.p('view', 'both'), m.p('lower', 'both'))):
            b, _ = m.micro(bare, 'readdir', dpath, ND)
            s, f = m.micro(lset, 'readdir', vpath, ND)
            row('union', name + ' (vs readdir of the lower)', b, s,
                note=errno_note(f, 0) + ' ' + (f[4] if len(f) > 4 else ''))

    if 'lookup' in on:
        # Issue 13: a stat under MERGED at most 1.15x the layer's, for a
        # name reached by absolute path, relative to the cwd and relative
        # to a directory's descriptor (bench/README.md "Session 12
        # (lookup)"); the same call on the layer, the same way.
        log('micro: a stat under MERGED, three ways')
        dl, dv = m.p('lower', 'a/b/c/d/e'), m.p('view', 'a/b/c/d/e')
        for name, op, lpath, vpath, lcwd, vcwd in (
                ('absolute path', 'stat', dl + '/file', dv + '/file',
                 None, None),
                ('relative to the cwd', 'stat', 'file', 'file', dl, dv),
                ("fstatat of the directory's descriptor", 'statat',
                 dl + '/file', dv + '/file', None, None)):
            b, _ = m.micro(bare, op, lpath, N, cwd=lcwd)
            s, f = m.micro(lset, op, vpath, N, cwd=vcwd)
            row('lookup', 'stat of a lower file 5 dirs deep, %s '
                '(vs the layer\'s)' % name, b, s, note=errno_note(f, 0))

    if 'exec' in on:
        log('micro: exec')
        b, _ = m.micro(bare, 'exec', a.execs, m.bin, 'noop')
        o, _ = m.micro(m.env('noop'), 'exec', a.execs, m.bin, 'noop')
        u, _ = m.micro(unset, 'exec', a.execs, m.bin, 'noop')
        s, _ = m.micro(lset, 'exec', a.execs, m.bin, 'noop')
        row('exec', 'fork+exec+exit, an empty preloaded object', b, o,
            note=' +%.0f us/exec' % ((o - b) / 1000))
        row('exec', 'fork+exec+exit, library with UNION_LAYERS, against the empty '
            'preload', o, s, note=' target <= 1.05')
        row('exec', 'fork+exec+exit, library without UNION_LAYERS', b, u,
            note=' +%.0f us/exec' % ((u - b) / 1000))
        row('exec', 'fork+exec+exit, library with UNION_LAYERS', b, s,
            note=' +%.0f us/exec' % ((s - b) / 1000))

    if 'whiteouts' in on:
        log('micro: whiteout table')
        base_stat, _ = m.micro(bare, 'stat', m.p('lower', 'file'), N)
        for n, up in sorted(m.wt_uppers.items()):
            e = m.env('set', up)
            s, f = m.micro(e, 'stat', m.p('view', 'file'), N)
            row('whiteouts', 'stat of a lower name, %d records' % n, base_stat, s,
                note=errno_note(f, 0))
            w, f = m.micro(e, 'stat', m.p('view', 'wfile'), N)
            row('whiteouts', 'stat of a whited-out name, %d records' % n, base_stat, w,
                note=errno_note(f, 2))
            fb, _ = m.micro(bare, 'first', m.p('lower', 'file'))
            fs, f = m.micro(e, 'first', m.p('view', 'file'))
            row('whiteouts', 'first stat of a process (loads the table), %d records' % n,
                fb, fs, note=errno_note(f, 0))
            eb, _ = m.micro(bare, 'exec', 200, m.bin, 'first', m.p('lower', 'file'))
            es, _ = m.micro(e, 'exec', 200, m.bin, 'first', m.p('view', 'file'))
            row('whiteouts', 'exec of a process that stats one union name, %d records' % n,
                eb, es, note=' +%.0f us/exec' % ((es - eb) / 1000))

    mem, rb, hb, ro, ho = [], 0, 0, 0, 0
    if 'memory' in on:
        log('micro: memory')

        def vm(env, path):
            """VmRSS and VmHWM (kB) after one stat: medians of a.reps runs."""
            got = []
            for _ in range(max(1, a.reps)):
                r = subprocess.run([m.bin, 'mem', path], env=env, capture_output=True,
                                   text=True)
                f = r.stdout.split()
                got.append((int(f[1]), int(f[2])))
            return (int(statistics.median(g[0] for g in got)),
                    int(statistics.median(g[1] for g in got)))
        rb, hb = vm(bare, m.p('lower', 'file'))
        # the floor any preload pays: the loader's mapping of one more object
        ro, ho = vm(m.env('noop'), m.p('lower', 'file'))
        for label, env, path in (
                ('library without UNION_LAYERS', unset, m.p('lower', 'file')),
                ('library, union, no whiteouts', lset, m.p('view', 'file')),
                ('library, union, 10k-record table', m.env('set', m.wt_uppers[10000]), m.p('view', 'file')),
                ('library, union, 100k-record table', m.env('set', m.wt_uppers[100000]), m.p('view', 'file'))):
            r, h = vm(env, path)
            mem.append((label, r, h, r - rb, h - hb, r - ro, h - ho))

    fb = fl = cpb = cpl = 0
    if 'program' in on:
        log('micro: stat-heavy program outside every MERGED')
        tree = m.p('outside', 'tree')
        tb, tl, cb, cl = [], [], [], []
        cmd = ['find', tree, '-printf', '%s\n']
        for i in range(31):
            for env, acc, cacc in ((bare, tb, cb), (lset, tl, cl)):
                r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                t0 = time.perf_counter()
                subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, check=True)
                acc.append(time.perf_counter() - t0)
                r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                cacc.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
        fb, fl = statistics.median(tb), statistics.median(tl)
        # CPU time: the sum over the runs (getrusage ticks are coarse)
        cpb, cpl = sum(cb), sum(cl)

    # ---- print
    print()
    print('libunion micro-benchmarks (ns per call, median of %d runs x 21 batches; '
          'ratio = with the library / without)' % a.reps)
    print('library: %s; %s on %s; load average %s' % (
        a.lib, a.tmpdir, subprocess.run(['stat', '-f', '-c', '%T', a.tmpdir], capture_output=True,
                                        text=True).stdout.strip(),
        ' '.join(open('/proc/loadavg').read().split()[:3])))
    print()
    hdr = ('case', 'without', 'with libunion', 'ratio', 'note')
    out = []
    sect = None
    for section, case, base, lib, unit, note in rows:
        out.append(('[%s] %s' % (section, case), fmt_ns(base), fmt_ns(lib),
                    '%.2f' % (lib / base) if base else '-', note.strip()))
    if 'program' in on:
        out.append(('[program] find -printf %s of 10k files outside MERGED, '
                    'library with UNION_LAYERS', '%.1fms' % (fb * 1e3), '%.1fms' % (fl * 1e3),
                    '%.3f' % (fl / fb), 'target <= 1.02 (wall clock, median of 31)'))
        out.append(('[program] the same, CPU time (user+sys, sum of 31 runs)',
                    '%.0fms' % (cpb * 1e3), '%.0fms' % (cpl * 1e3),
                    '%.3f' % (cpl / cpb) if cpb else '-', 'target <= 1.02'))
    widths = [max(len(r[i]) for r in [hdr] + out) for i in range(len(hdr))]
    print('| ' + ' | '.join(h.ljust(w) for h, w in zip(hdr, widths)) + ' |')
    print('|' + '|'.join('-' * (w + 2) for w in widths) + '|')
    for r in out:
        print('| ' + ' | '.join(c.ljust(w) for c, w in zip(r, widths)) + ' |')
    print()
    if mem:
        print('memory per process (kB, after one stat; medians of %d): no preload '
              'VmRSS %d, VmHWM %d; the empty preload VmRSS %d (+%d), VmHWM %d (+%d); '
              'libunion against the empty preload:' % (max(1, a.reps), rb, hb, ro,
                                                       ro - rb, ho, ho - hb))
        for label, r, h, dr, dh, nr, nh in mem:
            print('  %-36s VmRSS %6d (+%d)  VmHWM %6d (+%d)' % (label, r, nr, h, nh))
    if a.tsv:
        path = a.tsv + '.micro.tsv' if not a.tsv.endswith('micro.tsv') else a.tsv
        with open(path, 'w') as f:
            f.write('case\twithout\twith\tratio\tnote\n')
            for r in out:
                f.write('\t'.join(r) + '\n')
            if mem:
                f.write('memory the empty preload\t%d\t%d\t\tVmHWM +%d kB\n'
                        % (rb, ro, ho - hb))
            for label, r, h, dr, dh, nr, nh in mem:
                f.write('memory %s, against the empty preload\t%d\t%d\t\tVmHWM +%d kB\n'
                        % (label, ro, r, nh))
        log('micro TSV written to', path)
    return 0


def fmt_ns(ns):
    if ns >= 1e6:
        return '%.2fms' % (ns / 1e6)
    if ns >= 1e4:
        return '%.1fus' % (ns / 1e3)
    return '%.0fns' % ns


if __name__ == '__main__':
    sys.exit(main())
