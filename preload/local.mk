# libunion.so: the rooms as a convenience library (linked directly by the
# unit tests), wrapped into the preloadable module with the exported
# wrappers.

# No _FILE_OFFSET_BITS, _TIME_BITS or _FORTIFY_SOURCE here: they would make
# the headers rename the very functions being defined.
# -fdata-sections: a section a variable, which segment.ld can place.
# -fno-jump-tables: a switch's table of jumps lies in .rodata, away from
# its code; init_early's and env_build's switch over un_env_var were a
# page fault of .rodata in every new process and in every shell's child
# that execs (bench/README.md "Session 19 (exec19)"), for a few compares
# saved.  tests/edges/exec-start-pages checks the exec code has none.
UN_LIB_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden -ftls-model=initial-exec \
	-U_FORTIFY_SOURCE -D_GNU_SOURCE -pthread -fdata-sections \
	-fno-jump-tables $(SANITIZER_CFLAGS)

noinst_LTLIBRARIES += preload/libunion-core.la
preload_libunion_core_la_CFLAGS = $(UN_LIB_CFLAGS)
preload_libunion_core_la_SOURCES = \
	preload/internal.h \
	preload/exec_str.h \
	preload/real.h \
	preload/syms.def \
	preload/real.c \
	preload/nextsym.c \
	preload/init.c \
	preload/config.c \
	preload/outside_inplace.c \
	preload/wtable.h \
	preload/whiteout.c \
	include/union_format.h include/union_elf.h \
	include/union_format.c \
	preload/wt_map.c \
	preload/wt_index.c \
	preload/wt_file.c \
	preload/wt_signal.c \
	preload/wt_sys.c \
	preload/fdtab.c \
	preload/fd_deep.c \
	preload/namei.c \
	preload/dcache.c \
	preload/readdir.c \
	preload/proc_fds.c \
	preload/copy_up.c \
	preload/work_sweep.c \
	preload/fifo.c \
	preload/cwdfd.c \
	preload/dir.c \
	preload/exec.c \
	preload/exec_ldpath.c \
	preload/mounts.c \
	preload/unwrapped.c \
	preload/supervised.c \
	preload/walk.c \
	preload/newsys.h \
	preload/wrap.h \
	preload/wrap_simple.c \
	preload/wrap_open.c \
	preload/wrap_fd.c \
	preload/wrap_stat.c \
	preload/wrap_name.c \
	preload/wrap_cwd.c \
	preload/wrap_xattr.c \
	preload/wrap_signal.c \
	preload/wrap_mem.c \
	preload/wrap_cred.c \
	preload/wrap_syscall.c \
	preload/wrap_vfork.c \
	preload/dents.c \
	preload/watch.h \
	preload/watch.c \
	preload/watch_events.c \
	preload/watch_ident.c \
	preload/wrap_watch.c

pkglib_LTLIBRARIES += preload/libunion.la
pkglibdir = $(libdir)/libunion
preload_libunion_la_SOURCES =
preload_libunion_la_LIBADD = preload/libunion-core.la
# Lazy binding (no -z now): a process binds only the libc functions the
# library calls in it, and one that never looks into a union calls
# almost none; binding all 96 at every exec cost ~60,000 instructions of
# each process's start.  A child of fork binds lazily what its parent
# never called, a dozen page faults each time: the exec path a shell's
# child takes calls libc through pointers its parent has resolved (see
# unwrapped.c).
# -Bsymbolic-functions: the library's own calls to the names it exports
# (its wrappers: a stat or an open made inside it, which the depth guard
# sends straight to libc) are bound when it is linked, not looked up by
# the loader: 84 imports fewer.  They reached the same functions before,
# libunion being first in the search order.
# -fini= a name nothing defines: no DT_FINI.  crti.o's _fini is empty
# (destructors run from .fini_array), but it lies after the whole of
# .text, 200 KiB from the start-up's code: every process under the
# library paid a page fault at its exit to run it (bench/README.md,
# "Session 10 (exec)").
# segment.ld: .bss in the file, no anonymous map of it by the loader in
# every process; the big buffers before it, out of the way of the small
# variables (the file says why).
preload_libunion_la_LDFLAGS = -module -avoid-version -no-undefined \
	-shared -pthread -Wl,--version-script=$(top_builddir)/preload/exports.sym \
	-Wl,-Bsymbolic-functions -Wl,-fini=un_no_dt_fini \
	-Wl,-T,$(top_srcdir)/preload/segment.ld $(SANITIZER_CFLAGS)
EXTRA_preload_libunion_la_DEPENDENCIES = preload/exports.sym \
	$(top_srcdir)/preload/segment.ld
EXTRA_DIST += preload/exports.sym.in preload/segment.ld
CLEANFILES += preload/exports.sym

preload/exports.sym: $(top_srcdir)/preload/exports.sym.in $(top_srcdir)/preload/syms.def
	$(AM_V_GEN)$(MKDIR_P) preload && \
	$(CPP) -P -x c -I$(top_srcdir)/preload $(top_srcdir)/preload/exports.sym.in > $@

# The .la file is useless for a module loaded by LD_PRELOAD; without it
# libtool cannot uninstall the module, so the hook does.
install-exec-hook:
	rm -f $(DESTDIR)$(pkglibdir)/libunion.la

uninstall-hook:
	rm -f $(DESTDIR)$(pkglibdir)/libunion.so
