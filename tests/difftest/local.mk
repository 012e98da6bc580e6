# The randomized differential tester (issue 4): driver.c plays operations
# through libc, difftest.py generates layers and operations from a seed and
# compares a kernel overlay mount with libunion, run-ci.sh is the bounded
# run of `make check` and CI (root only; a SKIP otherwise).
check_PROGRAMS += tests/difftest/driver
tests_difftest_driver_SOURCES = tests/difftest/driver.c
# No _FORTIFY_SOURCE: the driver must call the plain entry points.
tests_difftest_driver_CFLAGS = $(AM_CFLAGS) -D_GNU_SOURCE -U_FORTIFY_SOURCE

TESTS += tests/difftest/run-ci.sh
dist_check_SCRIPTS += tests/difftest/run-ci.sh tests/difftest/difftest.py
EXTRA_DIST += tests/difftest/README.md
# The reproducers of the bugs found, each compared with the kernel again
# (regressions; found/run-all.sh runs them by hand too).
TESTS += tests/difftest/found/run-all.sh
dist_check_SCRIPTS += tests/difftest/found/run-all.sh
EXTRA_DIST += \
	tests/difftest/found/01-dirfd-not-repointed.sh \
	tests/difftest/found/02-fd-of-unlinked-or-replaced-lower-file.sh \
	tests/difftest/found/03-fd-metadata-after-rename.sh \
	tests/difftest/found/04-dirfd-by-path.sh \
	tests/difftest/found/05-cwd-by-path.sh \
	tests/difftest/found/06-exchange-not-opaque.sh \
	tests/difftest/found/07-stale-lookup-dir-became-file.sh \
	tests/difftest/found/08-copy-up-before-failure.sh \
	tests/difftest/found/09-trusted-overlay-xattr-visible.sh \
	tests/difftest/found/10-at-calls-bad-dirfd.sh \
	tests/difftest/found/11-rename-errno-order.sh \
	tests/difftest/found/12-link-order.sh \
	tests/difftest/found/13-lseek-end-on-dir.sh \
	tests/difftest/found/14-fifo-open-copies-up.sh \
	tests/difftest/found/15-rename-root.sh \
	tests/difftest/found/16-trailing-slash-symlink.sh \
	tests/difftest/found/17-link-new-name-checks-first.sh \
	tests/difftest/found/18-fstat-removed-merged-dir.sh \
	tests/difftest/found/19-lseek-dir-merged-by-copy-up.sh \
	tests/difftest/found/20-fd-after-copy-up-and-unlink.sh \
	tests/difftest/found/21-fifo-fstat-after-unlink.sh \
	tests/difftest/found/30-removed-dir-dotdot.sh \
	tests/difftest/found/lib.sh
clean-local: clean-local-difftest
clean-local-difftest:
	rm -rf difftest-repros
.PHONY: clean-local-difftest
