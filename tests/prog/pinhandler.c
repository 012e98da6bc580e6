/*
 * pinhandler: a thread's relative mkdir("pa") from a cwd outside every
 * union, interrupted between its lookup and its system call by SIGUSR1
 * (the test's strace delivers it there), while the main thread chdirs
 * into MERGED/lo, a directory only a lower holds, 0.3 s after the maker
 * began.  The handler is asleep meanwhile:
 *
 *   pinhandler MERGED OUT waits    reads a pipe the main thread writes
 *                                  after its chdir (waits for it)
 *   pinhandler MERGED OUT sleeps   sleeps 0.6 s on its own
 *
 * The signal may come at other calls and threads too (the test's
 * strace gives it at every readlink: a sanitizer's runtime makes one at
 * start, which the test's ignored SIGUSR1 discards): only the maker's
 * handler sleeps.
 *
 * The kernel's cwd would be OUT for the mkdir (the chdir comes after the
 * call began): prints "mkdir ok" (or its error) and "pa in out: yes" or
 * "no" (no: the mkdir went elsewhere, the lower's copy of lo).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int pfd[2];
static int waits;
static __thread int is_maker;

static void asleep(int sig)
{
	struct timespec ts = { 0, 600000000L };
	char c;

	(void)sig;
	if (!is_maker)
		return;
	if (!waits)
		nanosleep(&ts, NULL);
	else if (read(pfd[0], &c, 1) < 0)
		_exit(3);
}

static void *maker(void *arg)
{
	(void)arg;
	is_maker = 1;
	if (mkdir("pa", 0755) < 0)
		printf("mkdir: %s\n", strerror(errno));
	else
		printf("mkdir ok\n");
	return NULL;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	char lo[4096], pa[4096];
	struct stat st;
	pthread_t t;

	if (argc != 4 || pipe(pfd) < 0) {
		fprintf(stderr, "usage: pinhandler MERGED OUT waits|sleeps\n");
		return 2;
	}
	waits = !strcmp(argv[3], "waits");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = asleep;
	sigaction(SIGUSR1, &sa, NULL);
	if (chdir(argv[2]) < 0 || pthread_create(&t, NULL, maker, NULL))
		return 2;
	usleep(300000);
	snprintf(lo, sizeof(lo), "%s/lo", argv[1]);
	if (chdir(lo) < 0 || write(pfd[1], "x", 1) != 1)
		return 2;
	pthread_join(t, NULL);
	snprintf(pa, sizeof(pa), "%s/pa", argv[2]);
	printf("pa in out: %s\n", stat(pa, &st) == 0 ? "yes" : "no");
	return 0;
}
