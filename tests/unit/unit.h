/*
 * unit.h - what the Check suites share: unit_run, which runs a suite and
 * gives main's exit status; for the suites that make files, rm_tree, and
 * unit_main, which makes the base directory every test's files lie in,
 * runs the suite and removes the base at the end, so that the files of
 * failed tests (whose child exits without the teardown) go too.  (Static
 * inline: a suite that uses only some of them is not warned of the rest.)
 */
#ifndef UN_TEST_UNIT_H
#define UN_TEST_UNIT_H

#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static inline int rm_one(const char *path, const struct stat *st, int type,
		  struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* Remove the tree at dir (links not followed). */
static inline void rm_tree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Run s; main's exit status. */
static inline int unit_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Run s with base (size bytes) made as /tmp/check_NAME.XXXXXX; main's
   exit status. */
static inline int unit_main(Suite *s, char *base, size_t size,
			    const char *name)
{
	int rc;

	snprintf(base, size, "/tmp/check_%s.XXXXXX", name);
	if (!mkdtemp(base)) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
	rc = unit_run(s);
	rm_tree(base);
	return rc;
}

#endif
