/*
 * oflags.h - open flags spelled by name ("rdwr,creat,excl"), for the test
 * programs that take them on their command line (sysop, rawsys, the
 * differential tester's driver).  The lookup only: what an unknown name
 * means is the caller's (sysop exits, the driver records a bad op).
 */
#ifndef UN_TEST_OFLAGS_H
#define UN_TEST_OFLAGS_H

#include <fcntl.h>
#include <stdio.h>
#include <string.h>

/* The open flags named in S, separated by ',' or '|'; -1 when a name is
 * unknown (copied into UNKNOWN, LEN bytes) or S is longer than 255 bytes. */
static inline int oflags_parse(const char *s, char *unknown, size_t len)
{
	static const struct {
		const char *name;
		int flag;
	} tab[] = {
		{ "rdonly", O_RDONLY }, { "wronly", O_WRONLY },
		{ "rdwr", O_RDWR }, { "creat", O_CREAT }, { "excl", O_EXCL },
		{ "trunc", O_TRUNC }, { "append", O_APPEND },
		{ "directory", O_DIRECTORY }, { "nofollow", O_NOFOLLOW },
		{ "tmpfile", O_TMPFILE }, { "path", O_PATH },
		{ "nonblock", O_NONBLOCK },
	};
	char buf[256], *tok, *save = NULL;
	int flags = 0;
	size_t i;

	if ((size_t)snprintf(buf, sizeof(buf), "%s", s) >= sizeof(buf)) {
		snprintf(unknown, len, "%.32s...", s);
		return -1;
	}
	for (tok = strtok_r(buf, ",|", &save); tok;
	     tok = strtok_r(NULL, ",|", &save)) {
		for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
			if (strcmp(tok, tab[i].name) == 0)
				break;
		if (i == sizeof(tab) / sizeof(tab[0])) {
			snprintf(unknown, len, "%s", tok);
			return -1;
		}
		flags |= tab[i].flag;
	}
	return flags;
}

#endif
