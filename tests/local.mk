# The longest runs first (the differential tester, valgrind, the stress
# runs: minutes each where a scenario takes seconds), so that `make -j4
# check` starts them beside the scenarios instead of after them: listed
# last, they ran on after the rest had ended (CI time).
include tests/difftest/local.mk
include tests/valgrind/local.mk
include tests/stress/local.mk

# Unit tests (Check), linked directly against the rooms.
UN_CHECK_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -D_GNU_SOURCE -pthread \
	-U_FORTIFY_SOURCE $(SANITIZER_CFLAGS)
UN_CHECK_LIBS = preload/libunion-core.la $(CHECK_LIBS) -ldl -lpthread \
	$(SANITIZER_CFLAGS)

check_PROGRAMS += tests/unit/check_config tests/unit/check_whiteout \
	tests/unit/check_wtindex tests/unit/check_namei tests/unit/check_nextsym \
	tests/unit/check_fdtab tests/unit/check_cwdfd
TESTS += tests/unit/check_config tests/unit/check_whiteout \
	tests/unit/check_wtindex tests/unit/check_namei tests/unit/check_nextsym \
	tests/unit/check_fdtab tests/unit/check_cwdfd

tests_unit_check_config_SOURCES = tests/unit/check_config.c tests/unit/unit.h
tests_unit_check_config_CFLAGS = $(UN_CHECK_CFLAGS)
tests_unit_check_config_LDADD = $(UN_CHECK_LIBS)

tests_unit_check_whiteout_SOURCES = tests/unit/check_whiteout.c tests/unit/unit.h
tests_unit_check_whiteout_CFLAGS = $(UN_CHECK_CFLAGS)
tests_unit_check_whiteout_LDADD = $(UN_CHECK_LIBS)

tests_unit_check_wtindex_SOURCES = tests/unit/check_wtindex.c tests/unit/unit.h
tests_unit_check_wtindex_CFLAGS = $(UN_CHECK_CFLAGS)
tests_unit_check_wtindex_LDADD = $(UN_CHECK_LIBS)

tests_unit_check_namei_SOURCES = tests/unit/check_namei.c tests/unit/unit.h
tests_unit_check_namei_CFLAGS = $(UN_CHECK_CFLAGS)
tests_unit_check_namei_LDADD = $(UN_CHECK_LIBS)

tests_unit_check_fdtab_SOURCES = tests/unit/check_fdtab.c tests/unit/unit.h
tests_unit_check_fdtab_CFLAGS = $(UN_CHECK_CFLAGS)
tests_unit_check_fdtab_LDADD = $(UN_CHECK_LIBS)

tests_unit_check_cwdfd_SOURCES = tests/unit/check_cwdfd.c tests/unit/unit.h
tests_unit_check_cwdfd_CFLAGS = $(UN_CHECK_CFLAGS)
tests_unit_check_cwdfd_LDADD = $(UN_CHECK_LIBS)

tests_unit_check_nextsym_SOURCES = tests/unit/check_nextsym.c tests/unit/unit.h
tests_unit_check_nextsym_CFLAGS = $(UN_CHECK_CFLAGS)
tests_unit_check_nextsym_LDADD = $(UN_CHECK_LIBS)

# The layer snapshots of tests/lib.sh (lowers_snapshot, lowers_check).
dist_check_SCRIPTS += tests/tree_state.py

# The exported symbols against syms.def and this machine's libc.
TESTS += tests/symbols.sh
EXTRA_DIST += tests/symbols.sh

include tests/integration/local.mk
include tests/edges/local.mk
include tests/fuzz/local.mk
