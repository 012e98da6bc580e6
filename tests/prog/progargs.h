/*
 * progargs.h - what sysop and rawsys share: open flags by name (oflags.h) with
 * their error exit, the usage exit, and the one-letter file type both
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

#include "oflags.h"

#ifndef PROGARGS_NAME
#error "define PROGARGS_NAME before including progargs.h"
#endif

/* The open flags named in S (oflags.h); exits 2 on a name it does not
 * know. */
static int parse_flags(const char *s)
{
	char unknown[64];
	int flags = oflags_parse(s, unknown, sizeof(unknown));

	if (flags < 0) {
		fprintf(stderr, PROGARGS_NAME ": unknown flag %s\n", unknown);
		exit(2);
	}
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
