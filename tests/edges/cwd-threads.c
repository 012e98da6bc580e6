/*
 * cwd-threads: one thread changes directory between two merged
 * directories of different depths as fast as it can, two others look up
 * a name relative to the cwd meanwhile: every lookup must find it, in
 * one directory or the other.  The library reads the cwd's merged path
 * without a lock (fdtab.c cwd_read, a seqlock): a read torn by a chdir
 * gives a path of neither (a mix of the two), where "id" is missing.
 *
 *   cwd-threads MERGED SECONDS
 * prints "ok" and exits 0, else says what failed.
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

static char a[4096], b[4096];
static volatile int stop;
static long changes;

static void *changer(void *arg)
{
	(void)arg;
	while (!stop) {
		if (chdir(a) < 0 || chdir(b) < 0) {
			perror("chdir");
			exit(2);
		}
		changes++;
	}
	return NULL;
}

struct look {
	long n, bad;
	int err;
	off_t size;
};

static void *looker(void *arg)
{
	struct look *l = arg;
	struct stat st;

	while (!stop) {
		l->n++;
		if (fstatat(AT_FDCWD, "id", &st, AT_SYMLINK_NOFOLLOW) < 0) {
			l->bad++;
			l->err = errno;
		} else if (st.st_size != 2 && st.st_size != 3) {
			l->bad++;
			l->size = st.st_size;
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t w, r[2];
	struct look l[2];
	struct timespec ts;
	long bad = 0;

	if (argc != 3)
		return 2;
	snprintf(a, sizeof(a), "%s/d1/aaaa", argv[1]);
	snprintf(b, sizeof(b), "%s/d2/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/c",
		 argv[1]);
	if (chdir(a) < 0) {
		perror(a);
		return 2;
	}
	memset(l, 0, sizeof(l));
	pthread_create(&w, NULL, changer, NULL);
	for (int i = 0; i < 2; i++)
		pthread_create(&r[i], NULL, looker, &l[i]);
	ts.tv_sec = atoi(argv[2]) / 10;
	ts.tv_nsec = (atoi(argv[2]) % 10) * 100000000L;
	nanosleep(&ts, NULL);
	stop = 1;
	pthread_join(w, NULL);
	for (int i = 0; i < 2; i++) {
		pthread_join(r[i], NULL);
		bad += l[i].bad;
		if (l[i].bad)
			printf("lookups %ld, wrong %ld (errno %d: %s, size %lld)\n",
			       l[i].n, l[i].bad, l[i].err, strerror(l[i].err),
			       (long long)l[i].size);
	}
	fprintf(stderr, "changes %ld, lookups %ld and %ld\n", changes,
		l[0].n, l[1].n);
	if (bad)
		return 1;
	if (!changes || !l[0].n || !l[1].n) {
		printf("nothing ran\n");
		return 1;
	}
	printf("ok\n");
	return 0;
}
