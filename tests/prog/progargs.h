/*
 * progargs.h - what sysop and rawsys share: open flags spelled by name
 * ("rdwr,creat,excl"), the usage exit, and the one-letter file type both
 * print.  Each program sets PROGARGS_NAME, the name its messages start
 * with, before including this.
 */
#ifndef UN_TEST_PROGARGS_H
#define UN_TEST_PROGARGS_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef PROGARGS_NAME
#error "define PROGARGS_NAME before including progargs.h"
#endif

/* The open flags named in S, separated by ',' or '|'; exits 2 on a name
 * it does not know. */
static int parse_flags(const char *s)
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
	char *copy = strdup(s), *tok, *save = NULL;
	int flags = 0;
	size_t i;

	if (!copy) {
		perror(PROGARGS_NAME);
		exit(2);
	}
	for (tok = strtok_r(copy, ",|", &save); tok;
	     tok = strtok_r(NULL, ",|", &save)) {
		for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
			if (strcmp(tok, tab[i].name) == 0)
				break;
		if (i == sizeof(tab) / sizeof(tab[0])) {
			fprintf(stderr, PROGARGS_NAME ": unknown flag %s\n", tok);
			exit(2);
		}
		flags |= tab[i].flag;
	}
	free(copy);
	return flags;
}

static void usage(const char *op)
{
	fprintf(stderr, PROGARGS_NAME ": bad arguments for %s\n", op);
	exit(2);
}

static char type_char(mode_t m)
{
	return S_ISREG(m) ? 'f' : S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' :
	       S_ISCHR(m) ? 'c' : S_ISFIFO(m) ? 'p' : '?';
}

#endif
