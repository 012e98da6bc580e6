# union(1): the command beside the library (tools/), its man pages (man/)
# and its tests (tests/tools/).

bin_PROGRAMS += tools/union
tools_union_SOURCES = \
	tools/union.h \
	tools/union.c \
	tools/util.c \
	tools/escape.c \
	include/union_format.c \
	tools/fsutil.c \
	tools/journal.c \
	tools/lend.c \
	tools/userns.c \
	tools/layers.c \
	tools/table.c \
	tools/view.c \
	tools/changes.c \
	tools/library.c \
	tools/options.c \
	tools/run.c \
	tools/diff.c \
	tools/tar.c \
	tools/export.c \
	tools/commit.c \
	tools/convert.c
# The tool finds the library in the private directory it is installed in.
tools_union_CPPFLAGS = $(AM_CPPFLAGS) -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 \
	-DUN_PKGLIBDIR='"$(pkglibdir)"'
# The two objects that hold the installation's directories: a configure
# with another prefix rewrites the Makefile, not their sources, and they
# must be built again (else `union` looks for the library where the
# last prefix put it).
tools/union-library.$(OBJEXT) tools/union-run.$(OBJEXT): Makefile
tools_union_CFLAGS = $(AM_CFLAGS)
EXTRA_DIST += include/union_format.h

dist_man1_MANS = man/union.1
dist_man7_MANS = man/libunion.7

include tests/tools/local.mk

# union-supervise: runs static and Go programs inside the union under a
# seccomp filter (x86_64 system call numbers; elsewhere such programs
# are refused, as before).  The library's exec starts it, from
# $UNION_SUPERVISOR (which `union run` sets).
if UN_SUPERVISE
pkglibexec_PROGRAMS = tools/union-supervise
tools_union_supervise_SOURCES = \
	tools/supervise.h \
	tools/supervise.c \
	tools/supervise_proc.c \
	tools/supervise_calls.c \
	tools/supervise_open.c \
	tools/supervise_stat.c \
	tools/supervise_cwd.c \
	tools/supervise_exec.c \
	tools/supervise_block.c \
	tools/supervise_sock.c \
	tools/supervise_elf.c \
	include/union_elf.h
tools_union_supervise_CPPFLAGS = $(AM_CPPFLAGS) -D_GNU_SOURCE \
	-D_FILE_OFFSET_BITS=64
tools_union_supervise_CFLAGS = $(AM_CFLAGS)
tools_union_supervise_LDADD = -ldl -lpthread
tools_union_CPPFLAGS += -DUN_PKGLIBEXECDIR='"$(pkglibexecdir)"'
endif
