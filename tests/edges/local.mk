# The hard edges (issue 6): processes, threads and signals, static and
# setuid programs, cleared environments, descriptors, bad input, a full
# disk, other allocators, and the lowers never written.  Shell scenarios
# on tests/lib.sh and tests/edges/edgelib.sh, with the C programs below;
# some build a program at run time (a static one, one linked with
# jemalloc, small shared libraries) with $(CC).  Exit 0 pass, 1 fail,
# 77 skip (root or a package missing, said on a SKIP: line).  Run one:
#   make check TESTS=tests/edges/procs-signal.sh
# or directly:  bash tests/edges/procs-signal.sh
# The stress test runs EDGES_STRESS_SECS seconds twice (default 20).

UN_EDGES_TESTS = \
	tests/edges/unwrapped-static.sh \
	tests/edges/unwrapped-setuid.sh \
	tests/edges/unwrapped-go-marked.sh \
	tests/edges/unwrapped-go.sh \
	tests/edges/supervise-static.sh \
	tests/edges/supervise-sock.sh \
	tests/edges/supervise-exec-union.sh \
	tests/edges/supervise-go.sh \
	tests/edges/procs-vfork.sh \
	tests/edges/procs-fork-threads.sh \
	tests/edges/procs-signal.sh \
	tests/edges/procs-sigchange.sh \
	tests/edges/procs-sighold.sh \
	tests/edges/procs-sigixbuild.sh \
	tests/edges/procs-sigwatch.sh \
	tests/edges/signal-bsd.sh \
	tests/edges/procs-stress.sh \
	tests/edges/procs-cancel.sh \
	tests/edges/env-children.sh \
	tests/edges/env-fakeroot.sh \
	tests/edges/fd-close-all.sh \
	tests/edges/fd-exec-inherit.sh \
	tests/edges/bad-names.sh \
	tests/edges/bad-paths.sh \
	tests/edges/bad-opath-tmpfile.sh \
	tests/edges/bad-layer-midrun.sh \
	tests/edges/bad-table.sh \
	tests/edges/index-table.sh \
	tests/edges/full-disk.sh \
	tests/edges/alloc-jemalloc.sh \
	tests/edges/early-ctor.sh \
	tests/edges/lazy-start.sh \
	tests/edges/lazy-bind.sh \
	tests/edges/exec-child-bind.sh \
	tests/edges/exec-child-calls.sh \
	tests/edges/mem-read-ahead.sh \
	tests/edges/exec-child-opens.sh \
	tests/edges/exec-check-memo.sh \
	tests/edges/exec-bss-file.sh \
	tests/edges/data-small-together.sh \
	tests/edges/preload-relative.sh \
	tests/edges/exec-cwd-inherit.sh \
	tests/edges/exec-start-calls.sh \
	tests/edges/table-open-calls.sh \
	tests/edges/cwd-inherit-path.sh \
	tests/edges/exec-text-together.sh \
	tests/edges/exec-no-libc-strings.sh \
	tests/edges/exec-start-pages.sh \
	tests/edges/lowers-never-written.sh \
	tests/edges/bad-pointers.sh \
	tests/edges/thread-stack.sh \
	tests/edges/cwd-threads.sh \
	tests/edges/cwd-fifo.sh \
	tests/edges/listing-lower-unsearchable.sh

TESTS += $(UN_EDGES_TESTS)

dist_check_SCRIPTS += $(UN_EDGES_TESTS)
EXTRA_DIST += tests/edges/edgelib.sh tests/edges/driver.py \
	tests/edges/write-sweep.py tests/edges/static-hello.c \
	tests/edges/marker-lib.c tests/edges/ctor-lib.c \
	tests/edges/jemalloc-ops.c tests/edges/go-marked.c \
	tests/edges/go/plain/main.go tests/edges/go/cgo/main.go \
	tests/edges/supervise-static.c tests/edges/supervise-sock.c \
	tests/edges/thread-stack.c tests/edges/cwd-threads.c \
	tests/edges/cwd-fifo.c tests/edges/signal-bsd.c \
	tests/edges/errno-at-main.c
AM_TESTS_ENVIRONMENT += \
	EDGEPROG='$(abs_top_builddir)/tests/edges'; \
	EDGES_CC='$(CC)'; \
	export EDGEPROG EDGES_CC;

check_PROGRAMS += tests/edges/procs tests/edges/execs tests/edges/fdops \
	tests/edges/badcalls tests/edges/badptrs

UN_EDGES_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests/prog -U_FORTIFY_SOURCE

tests_edges_procs_SOURCES = tests/edges/procs.c
tests_edges_procs_CFLAGS = $(UN_EDGES_CFLAGS) -pthread
tests_edges_procs_LDADD = -lpthread

tests_edges_execs_SOURCES = tests/edges/execs.c tests/prog/errname.h
tests_edges_execs_CFLAGS = $(UN_EDGES_CFLAGS)

tests_edges_fdops_SOURCES = tests/edges/fdops.c tests/prog/errname.h
tests_edges_fdops_CFLAGS = $(UN_EDGES_CFLAGS)

tests_edges_badcalls_SOURCES = tests/edges/badcalls.c tests/prog/errname.h
tests_edges_badcalls_CFLAGS = $(UN_EDGES_CFLAGS)

tests_edges_badptrs_SOURCES = tests/edges/badptrs.c tests/prog/errname.h
tests_edges_badptrs_CFLAGS = $(UN_EDGES_CFLAGS)
