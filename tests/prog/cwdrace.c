/*
 * cwdrace: one thread changes the cwd round three directories as fast as
 * it can (chdir by absolute and by relative path, and fchdir), while two
 * others ask for the name "f" relative to the cwd (stat, fstatat, open
 * and read, access, getcwd): every answer must be one of the three
 * directories' own, as the kernel's cwd is always one of them.  Under the
 * library the real cwd (a layer's copy) and the merged path are two
 * things; a lookup that took one from before a chdir and the other from
 * after it would look for "f" in the wrong copy (the directories' f lie
 * in different layers).
 *
 *   cwdrace DIR SECONDS
 * DIR holds a, b and c, each with a file f of 2, 3 and 4 bytes.  Runs
 * SECONDS (tenths: 10 is one second) and at least MIN_EACH calls of each
 * kind, then prints one line a kind: "KIND: ok", or how many of how many
 * failed and the first failure.  Exit 0 when all were ok.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "errname.h"

#define MIN_EACH 3000L
#define MAX_SECONDS 40	/* a loaded machine: the most it waits for them */

enum { K_STAT, K_FSTATAT, K_OPEN, K_ACCESS, K_GETCWD, NKINDS };
static const char *const kind_name[NKINDS] = {
	"stat", "fstatat", "openat-read", "access", "getcwd"
};

static char dir[3][4096];
static volatile int stop;
static volatile long changes;

struct tally {
	long n[NKINDS], bad[NKINDS];
	char first[NKINDS][128];
};

static void *changer(void *arg)
{
	int fd[3];

	(void)arg;
	for (int i = 0; i < 3; i++) {
		fd[i] = open(dir[i], O_RDONLY | O_DIRECTORY);
		if (fd[i] < 0) {
			perror(dir[i]);
			exit(2);
		}
	}
	while (!stop) {
		/* a, then b by its path from a, c; the same by descriptor. */
		if (chdir(dir[0]) < 0 || chdir("../b") < 0 ||
		    chdir(dir[2]) < 0 || fchdir(fd[0]) < 0 ||
		    fchdir(fd[1]) < 0 || fchdir(fd[2]) < 0) {
			perror("chdir");
			exit(2);
		}
		changes++;
	}
	return NULL;
}

static void bad(struct tally *t, int k, const char *what)
{
	if (!t->bad[k]++)
		snprintf(t->first[k], sizeof(t->first[k]), "%s", what);
}

/* A size of one of the three f: 2, 3 or 4 bytes. */
static int size_ok(off_t size)
{
	return size >= 2 && size <= 4;
}

static void one(struct tally *t, int k)
{
	char buf[4096], msg[128];
	struct stat st;
	ssize_t got;
	int fd, rc = 0;

	t->n[k]++;
	switch (k) {
	case K_STAT:
		rc = stat("f", &st);
		break;
	case K_FSTATAT:
		rc = fstatat(AT_FDCWD, "f", &st, AT_SYMLINK_NOFOLLOW);
		break;
	case K_OPEN:
		fd = openat(AT_FDCWD, "f", O_RDONLY);
		if (fd < 0) {
			rc = -1;
			break;
		}
		got = read(fd, buf, sizeof(buf));
		close(fd);
		st.st_size = got;
		/* f holds its size's count of its directory's letter. */
		if (got >= 2 && got <= 4 && buf[0] != 'a' + got - 2) {
			snprintf(msg, sizeof(msg), "read %.*s", (int)got, buf);
			bad(t, k, msg);
			return;
		}
		break;
	case K_ACCESS:
		rc = access("f", R_OK);
		st.st_size = 2;
		break;
	case K_GETCWD:
		if (!getcwd(buf, sizeof(buf))) {
			rc = -1;
			break;
		}
		st.st_size = 2;
		if (strcmp(buf, dir[0]) && strcmp(buf, dir[1]) &&
		    strcmp(buf, dir[2])) {
			snprintf(msg, sizeof(msg), "getcwd gave another: %.80s",
				 buf);
			bad(t, k, msg);
			return;
		}
		break;
	}
	if (rc < 0) {
		bad(t, k, errname(errno));
	} else if (!size_ok(st.st_size)) {
		snprintf(msg, sizeof(msg), "size %lld",
			 (long long)st.st_size);
		bad(t, k, msg);
	}
}

static void *looker(void *arg)
{
	struct tally *t = arg;

	for (long i = 0; !stop; i++)
		one(t, (int)(i % NKINDS));
	return NULL;
}

static int enough(const struct tally *t)
{
	for (int k = 0; k < NKINDS; k++)
		if (t[0].n[k] + t[1].n[k] < MIN_EACH)
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	struct timespec tenth = { 0, 100000000L };
	static struct tally t[2];
	pthread_t w, r[2];
	int status = 0, tenths;

	if (argc != 3)
		return 2;
	for (int i = 0; i < 3; i++)
		snprintf(dir[i], sizeof(dir[i]), "%s/%c", argv[1], 'a' + i);
	tenths = atoi(argv[2]);
	if (chdir(dir[0]) < 0) {
		perror(dir[0]);
		return 2;
	}
	pthread_create(&w, NULL, changer, NULL);
	for (int i = 0; i < 2; i++)
		pthread_create(&r[i], NULL, looker, &t[i]);
	for (int i = 0; i < MAX_SECONDS * 10; i++) {
		nanosleep(&tenth, NULL);
		if (i + 1 >= tenths && enough(t) && changes > 0)
			break;
	}
	stop = 1;
	pthread_join(w, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(r[i], NULL);
	fprintf(stderr, "cwdrace: %ld rounds of six changes, lookups",
		changes);
	for (int k = 0; k < NKINDS; k++) {
		long n = t[0].n[k] + t[1].n[k], b = t[0].bad[k] + t[1].bad[k];
		const char *first = t[0].bad[k] ? t[0].first[k] : t[1].first[k];

		fprintf(stderr, " %s %ld", kind_name[k], n);
		if (!b) {
			printf("%s: ok\n", kind_name[k]);
			continue;
		}
		printf("%s: %ld of %ld failed (first: %s)\n", kind_name[k], b,
		       n, first);
		status = 1;
	}
	fprintf(stderr, "\n");
	if (!enough(t) || !changes) {
		printf("too few calls ran\n");
		status = 1;
	}
	return status;
}
