# The fuzz targets (issue 4), replayed without clang: each target is
# linked with replay.c and the rooms (as the unit tests are), and runs
# every committed input, tests/fuzz/corpus/NAME and tests/fuzz/regress/NAME.
# The fuzzing itself needs clang's libFuzzer: tests/fuzz/run.sh.
UN_FUZZ_CFLAGS = $(UN_CHECK_CFLAGS) \
	-DFUZZ_SRCDIR='"$(abs_top_srcdir)/tests/fuzz"'
UN_FUZZ_LIBS = preload/libunion-core.la -ldl -lpthread $(SANITIZER_CFLAGS)

UN_FUZZ_TESTS = tests/fuzz/replay_config tests/fuzz/replay_whiteout \
	tests/fuzz/replay_namei
check_PROGRAMS += $(UN_FUZZ_TESTS)
TESTS += $(UN_FUZZ_TESTS)

tests_fuzz_replay_config_SOURCES = tests/fuzz/fuzz_config.c \
	tests/fuzz/replay.c tests/fuzz/fuzz.h
tests_fuzz_replay_config_CFLAGS = $(UN_FUZZ_CFLAGS) -DFUZZ_NAME='"config"'
tests_fuzz_replay_config_LDADD = $(UN_FUZZ_LIBS)

tests_fuzz_replay_whiteout_SOURCES = tests/fuzz/fuzz_whiteout.c \
	tests/fuzz/replay.c tests/fuzz/fuzz.h
tests_fuzz_replay_whiteout_CFLAGS = $(UN_FUZZ_CFLAGS) -DFUZZ_NAME='"whiteout"'
tests_fuzz_replay_whiteout_LDADD = $(UN_FUZZ_LIBS)

tests_fuzz_replay_namei_SOURCES = tests/fuzz/fuzz_namei.c \
	tests/fuzz/replay.c tests/fuzz/fuzz.h
tests_fuzz_replay_namei_CFLAGS = $(UN_FUZZ_CFLAGS) -DFUZZ_NAME='"namei"'
tests_fuzz_replay_namei_LDADD = $(UN_FUZZ_LIBS)

EXTRA_DIST += tests/fuzz/README.md tests/fuzz/run.sh tests/fuzz/corpus \
	tests/fuzz/regress
