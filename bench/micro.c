/*
 * micro.c - per-call micro-benchmarks for libunion (bench/micro.py runs it).
 *
 * Each mode times one kind of call in a tight loop and prints one line,
 * "<mode> <ns per call, median of the batches> <calls> <errno of the last
 * call or 0>", so that the runner can compare the same mode run with and
 * without LD_PRELOAD / UNION_LAYERS.  The calls go through libc (stat,
 * open, opendir...), which is what the library interposes.
 *
 *   micro stat PATH N          stat(PATH) N times
 *   micro lstat PATH N         lstat(PATH) N times
 *   micro statat DIR/NAME N    fstatat(fd of DIR, NAME, 0) N times (DIR is
 *                              opened once, O_DIRECTORY, before the loop)
 *   micro open PATH N          open(PATH, O_RDONLY) + close, N times
 *   micro readdir DIR N        opendir + readdir to the end + closedir, N times
 *   micro first PATH           the first stat(PATH) of the process, once
 *   micro exec N PROG [ARG..]  fork + execv(PROG, ARGS) + wait, N times (the
 *                              children's stdout goes to /dev/null)
 *   micro mem [PATH]           stat(PATH) once, then VmRSS and VmHWM in kB
 *   micro noop                 exit 0 at once (the program `exec` runs)
 *
 * Calls that fail (a missing name) are timed all the same: the errno is
 * reported so that the runner can check it is the expected ENOENT.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BATCHES 21

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static int last_errno;
static long entries;

static void op_stat(const char *p)
{
	struct stat st;

	last_errno = stat(p, &st) == 0 ? 0 : errno;
}

static void op_lstat(const char *p)
{
	struct stat st;

	last_errno = lstat(p, &st) == 0 ? 0 : errno;
}

static int at_fd = -1;

static void op_statat(const char *name)
{
	struct stat st;

	last_errno = fstatat(at_fd, name, &st, 0) == 0 ? 0 : errno;
}

static void op_open(const char *p)
{
	int fd = open(p, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		last_errno = errno;
		return;
	}
	last_errno = 0;
	close(fd);
}

static void op_readdir(const char *p)
{
	DIR *d = opendir(p);
	struct dirent *e;
	long n = 0;

	if (!d) {
		last_errno = errno;
		return;
	}
	errno = 0;
	while ((e = readdir(d)) != NULL)
		n++;
	last_errno = errno;
	closedir(d);
	entries = n;
}

/* N calls in BATCHES batches; prints the median batch's ns per call. */
static int run_loop(const char *mode, void (*op)(const char *),
		    const char *path, long n)
{
	long long t[BATCHES];
	long per = n / BATCHES;

	if (per < 1)
		per = 1;
	op(path); /* warm: the lazy set-up is not a per-call cost */
	for (int b = 0; b < BATCHES; b++) {
		long long t0 = now_ns();

		for (long i = 0; i < per; i++)
			op(path);
		t[b] = now_ns() - t0;
	}
	qsort(t, BATCHES, sizeof(t[0]), cmp_ll);
	printf("%s %.1f %ld %d", mode, (double)t[BATCHES / 2] / per,
	       per * BATCHES, last_errno);
	if (op == op_readdir)
		printf(" entries=%ld", entries);
	printf("\n");
	return 0;
}

static int run_exec(long n, char **argv)
{
	long long t0 = now_ns();

	for (long i = 0; i < n; i++) {
		int status;
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			int fd = open("/dev/null", O_WRONLY);

			if (fd >= 0 && fd != 1) {
				dup2(fd, 1);
				close(fd);
			}
			execv(argv[0], argv);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) {
			fprintf(stderr, "micro: child failed (status %d)\n",
				status);
			return 1;
		}
	}
	printf("exec %.1f %ld 0\n", (double)(now_ns() - t0) / n, n);
	return 0;
}

static long status_kb(const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			v = strtol(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr, "usage: micro stat|lstat|open|readdir PATH N"
			" | statat DIR/NAME N | first PATH"
			" | exec N PROG [ARG]... | mem [PATH] | noop\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (strcmp(mode, "noop") == 0)
		return 0;
	if (strcmp(mode, "first") == 0 && argc == 3) {
		long long t0 = now_ns();

		op_stat(argv[2]);
		printf("first %lld 1 %d\n", now_ns() - t0, last_errno);
		return 0;
	}
	if (strcmp(mode, "mem") == 0) {
		if (argc > 2)
			op_stat(argv[2]);
		printf("mem %ld %ld %d\n", status_kb("VmRSS"),
		       status_kb("VmHWM"), last_errno);
		return 0;
	}
	if (strcmp(mode, "exec") == 0 && argc >= 4)
		return run_exec(atol(argv[2]), argv + 3);
	if (argc == 4) {
		long n = atol(argv[3]);

		if (strcmp(mode, "stat") == 0)
			return run_loop(mode, op_stat, argv[2], n);
		if (strcmp(mode, "lstat") == 0)
			return run_loop(mode, op_lstat, argv[2], n);
		if (strcmp(mode, "open") == 0)
			return run_loop(mode, op_open, argv[2], n);
		if (strcmp(mode, "statat") == 0) {
			char *slash = strrchr(argv[2], '/');

			if (!slash || !slash[1])
				usage();
			*slash = '\0';
			at_fd = open(slash == argv[2] ? "/" : argv[2],
				     O_RDONLY | O_DIRECTORY);
			if (at_fd < 0) {
				perror("micro: open DIR");
				return 1;
			}
			return run_loop(mode, op_statat, slash + 1, n);
		}
		if (strcmp(mode, "readdir") == 0)
			return run_loop(mode, op_readdir, argv[2], n);
	}
	usage();
}
