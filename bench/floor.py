#!/usr/bin/env python3
"""floor.py LIB OUT.so: an empty preload of LIB's shape, the floor of exec.

What any preload of this size and these needs costs the loader in every
process (issue 13; bench/README.md "Session 9 (exec)"): the same count of
exported functions as LIB (other names, so that nothing is interposed),
about as many relative relocations, the same libc functions imported
(bound lazily, never called) at the same versions, about the same size,
and no constructor.  Compare `valgrind --tool=callgrind /bin/true` with
LD_PRELOAD=OUT.so and with LD_PRELOAD=LIB (the same environment for both).
"""
import os
import re
import subprocess
import sys
import tempfile


def readelf(*args):
    return subprocess.run(['readelf', '-W'] + list(args), check=True,
                          capture_output=True, text=True).stdout


def main():
    if len(sys.argv) != 3:
        sys.exit('usage: floor.py LIB OUT.so')
    lib, out = sys.argv[1], sys.argv[2]
    exports, imports = 0, set()
    for line in readelf('--dyn-syms', lib).splitlines():
        f = line.split()
        if len(f) < 8 or not f[0].endswith(':'):
            continue
        if f[6] == 'UND':
            m = re.match(r'([A-Za-z_][A-Za-z0-9_]*)@GLIBC', f[7])
            if m:
                imports.add((m.group(1), f[3]))
        elif f[4] == 'GLOBAL' and f[3] == 'FUNC':
            exports += 1
    relative = readelf('-r', lib).count('R_X86_64_RELATIVE')
    size = os.path.getsize(lib)

    c = ['#include <stddef.h>']
    for name, kind in sorted(imports):
        c.append('extern %s %s%s;' % ('void' if kind == 'FUNC' else 'char',
                                     name, '(void)' if kind == 'FUNC' else ''))
    for i in range(exports):
        c.append('__attribute__((visibility("default"))) int floor_fn_%d(void)'
                 ' { return %d; }' % (i, i))
    c.append('static int local_fn(void) { return 0; }')
    # (the compiler's own few: crtstuff, init/fini arrays)
    n = max(relative - 7, 1)
    c.append('int (*floor_ptr[%d])(void) = { %s };' %
             (n, ', '.join(['local_fn'] * n)))
    c.append('__attribute__((used)) static const char floor_pad[%d] = { 1 };'
             % max(size // 4, 1))
    c.append('volatile int floor_never;')
    c.append('__attribute__((visibility("default"))) void floor_imports(void)')
    c.append('{\n\tif (!floor_never)\n\t\treturn;')
    for name, kind in sorted(imports):
        c.append('\t%s;' % ('%s()' % name if kind == 'FUNC' else
                            '(void)*(volatile char *)&%s' % name))
    c.append('}')
    with tempfile.NamedTemporaryFile('w', suffix='.c', delete=False) as f:
        f.write('\n'.join(c) + '\n')
        src = f.name
    try:
        subprocess.run([os.environ.get('CC', 'cc'), '-O2', '-shared', '-fPIC',
                        '-fno-builtin', '-w', '-o', out, src, '-ldl',
                        '-pthread'], check=True)
    finally:
        os.unlink(src)
    print('%s: %d exports, %d relative relocations, %d imports' %
          (out, exports, readelf('-r', out).count('R_X86_64_RELATIVE'),
           len(imports)))


if __name__ == '__main__':
    main()
