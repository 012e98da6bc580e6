/*
 * cwdfar: one thread moves the cwd between a directory OUT outside every
 * union (far: no merged directory below it) and merged directories
 * MERGED/lo0 ... lo(K-1) that only a lower holds, by absolute path and by
 * fchdir, as fast as it can; two others create and remove names relative
 * to the cwd (open O_CREAT, rename, unlink, mkdir, rmdir).  The kernel's
 * cwd is always OUT or one of them, so every name is made there, never
 * in a lower's copy.  Under the library a call from OUT is handed to the
 * kernel as it is (relative): a chdir into lo<i> that completed between
 * that decision and the system call would put the name in the lower
 * (the real cwd in lo<i> is the lower's copy until lo<i> is copied up,
 * which the first name made there rightly does: hence K of them, the
 * changer moving on to the next one each round).
 *
 *   cwdfar MERGED OUT LOWER K SECONDS
 * LOWER is the lower's copy of MERGED, looked at from outside: after the
 * run each LOWER/lo<i> must hold what it held before (the name "keep"
 * alone).  Runs SECONDS (tenths) and at least MIN_CALLS rounds of calls,
 * then removes every name made (by absolute paths, so that the tree
 * after is the same whatever the race did) and prints "lower: ok" and
 * "calls: ok", or what went wrong.  Exit 0 when all was ok.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MIN_CALLS 4000L
#define MAX_SECONDS 40	/* a loaded machine: the most it waits for them */

#define MAX_DIRS 1000

/* The changer's lead: at most this many rounds of changes with no round
   of calls made meanwhile.  Unchecked, its chdirs starved the two makers
   on a loaded machine under the sanitizer build (CI: 374,926 rounds of
   changes against 2,917 of calls in 40 s, a failed run); the race wants
   the two interleaved, not the changer alone. */
#define MAX_LEAD 64

static char merged[4096], out_dir[4096], lower[4096];
static int ndirs;
static volatile int stop;
static volatile long changes;
static long rounds[2];

/* The rounds of calls the two makers have made (read while they run). */
static long calls_made(void)
{
	return __atomic_load_n(&rounds[0], __ATOMIC_RELAXED) +
	       __atomic_load_n(&rounds[1], __ATOMIC_RELAXED);
}

static void *changer(void *arg)
{
	static int in_fd[MAX_DIRS];
	char in[4200];
	int out_fd;

	(void)arg;
	for (int i = 0; i < ndirs; i++) {
		snprintf(in, sizeof(in), "%s/lo%d", merged, i);
		in_fd[i] = open(in, O_RDONLY | O_DIRECTORY);
		if (in_fd[i] < 0) {
			perror(in);
			exit(2);
		}
	}
	out_fd = open(out_dir, O_RDONLY | O_DIRECTORY);
	if (out_fd < 0) {
		perror(out_dir);
		exit(2);
	}
	long calls_seen = -1, lead = 0;

	for (long r = 0; !stop; r++) {
		int i = (int)(r % ndirs), j = (int)((r + ndirs / 2) % ndirs);
		long calls = calls_made();

		if (calls != calls_seen) {
			calls_seen = calls;
			lead = 0;
		} else if (++lead >= MAX_LEAD) {
			while (!stop && calls_made() == calls_seen)
				sched_yield();
			continue;
		}

		snprintf(in, sizeof(in), "%s/lo%d", merged, i);
		if (chdir(in) < 0 || chdir(out_dir) < 0 ||
		    fchdir(in_fd[j]) < 0 || fchdir(out_fd) < 0) {
			perror("chdir");
			exit(2);
		}
		changes++;
	}
	return NULL;
}

/* Names made relative to the cwd; errors are expected (the cwd moved
   between two calls of a round) and not counted. */
static void *maker(void *arg)
{
	int id = (int)(long)arg;
	char f[64], g[64], d[64];

	for (long i = 0; !stop; i++) {
		snprintf(f, sizeof(f), "f%c%ld", 'a' + id, i);
		snprintf(g, sizeof(g), "g%c%ld", 'a' + id, i);
		snprintf(d, sizeof(d), "d%c%ld", 'a' + id, i);
		int fd = open(f, O_CREAT | O_EXCL | O_WRONLY, 0644);

		if (fd >= 0) {
			if (write(fd, "x", 1) < 0)
				perror("write");
			close(fd);
		}
		(void)rename(f, g);
		(void)unlink(g);
		(void)mkdir(d, 0755);
		(void)rmdir(d);
		__atomic_fetch_add(&rounds[id], 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* The names in dir other than "keep" (remove: removed), and the first. */
static long others(const char *dir, int remove, char *first, size_t len)
{
	char path[8192];
	struct dirent *e;
	long n = 0;
	DIR *dp = opendir(dir);

	if (!dp) {
		perror(dir);
		return -1;
	}
	while ((e = readdir(dp))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    !strcmp(e->d_name, "keep"))
			continue;
		if (!n++ && first)
			snprintf(first, len, "%s", e->d_name);
		if (!remove)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (unlink(path) < 0 && rmdir(path) < 0)
			perror(path);
	}
	closedir(dp);
	return n;
}

int main(int argc, char **argv)
{
	struct timespec tenth = { 0, 100000000L };
	pthread_t w, r[2];
	char first[256] = "", dir[4200];
	long bad = 0, n;
	int status = 0, tenths, dirs_bad = 0;

	if (argc != 6)
		return 2;
	snprintf(merged, sizeof(merged), "%s", argv[1]);
	snprintf(out_dir, sizeof(out_dir), "%s", argv[2]);
	snprintf(lower, sizeof(lower), "%s", argv[3]);
	ndirs = atoi(argv[4]);
	tenths = atoi(argv[5]);
	if (ndirs < 1 || ndirs > MAX_DIRS)
		return 2;
	if (chdir(out_dir) < 0) {
		perror(out_dir);
		return 2;
	}
	pthread_create(&w, NULL, changer, NULL);
	for (long i = 0; i < 2; i++)
		pthread_create(&r[i], NULL, maker, (void *)i);
	for (int i = 0; i < MAX_SECONDS * 10; i++) {
		nanosleep(&tenth, NULL);
		if (i + 1 >= tenths && calls_made() >= MIN_CALLS &&
		    changes > 0)
			break;
	}
	stop = 1;
	pthread_join(w, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(r[i], NULL);
	fprintf(stderr, "cwdfar: %ld rounds of four changes, %ld rounds of "
		"calls", changes, calls_made());
	for (int i = 0; i < ndirs; i++) {
		snprintf(dir, sizeof(dir), "%s/lo%d", lower, i);
		n = others(dir, 0, first[0] ? NULL : first, sizeof(first));
		if (n < 0)
			return 2;
		bad += n;
		dirs_bad += n > 0;
	}
	fprintf(stderr, ", %ld names in %d of %d lower directories\n", bad,
		dirs_bad, ndirs);
	if (bad) {
		printf("lower: %ld names made there (first: %s)\n", bad, first);
		status = 1;
	} else {
		printf("lower: ok\n");
	}
	if (calls_made() < MIN_CALLS || !changes) {
		printf("calls: too few ran\n");
		status = 1;
	} else {
		printf("calls: ok\n");
	}
	if (chdir("/") < 0 || others(out_dir, 1, NULL, 0) < 0)
		status = 1;
	for (int i = 0; i < ndirs; i++) {
		snprintf(dir, sizeof(dir), "%s/lo%d", merged, i);
		if (others(dir, 1, NULL, 0) < 0)
			status = 1;
	}
	return status;
}
