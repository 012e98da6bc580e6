/*
 * progargs.h - what sysop and rawsys share: open flags by name (oflags.h) with
 * their error exit, the usage exit, the one-letter file type both
 * print, the line each call prints and main (calls separated by "--").  Each program sets PROGARGS_NAME, the name its messages start
 * with, before including this.
 */
#ifndef UN_TEST_PROGARGS_H
#define UN_TEST_PROGARGS_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "errname.h"
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

/* The line a call prints: its arguments, then ": ok" and RESULT, or
 * ": " and errno's name when it FAILED. */
static void report(int argc, char **argv, bool failed, const char *result)
{
	for (int i = 0; i < argc; i++)
		printf("%s%s", i ? " " : "", argv[i]);
	if (failed)
		printf(": %s\n", errname(errno));
	else
		printf(": ok%s\n", result);
	fflush(stdout);
}

/* main: "OP ARG... [-- OP ARG...]...", each call made by run() with its
 * own argc and argv (NULL where the "--" was: exec takes that argv). */
static int progargs_main(int argc, char **argv, void (*run)(int, char **))
{
	int start = 1;

	if (argc < 2) {
		fprintf(stderr, "usage: " PROGARGS_NAME
			" OP ARG... [-- OP ARG...]...\n");
		return 2;
	}
	for (int i = 1; i <= argc; i++) {
		if (i == argc || !strcmp(argv[i], "--")) {
			argv[i] = NULL;
			if (i > start)
				run(i - start, argv + start);
			start = i + 1;
		}
	}
	return 0;
}

#endif
