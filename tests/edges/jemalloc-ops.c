/*
 * jemalloc-ops.c - union work from a program linked with jemalloc (built
 * at run time by alloc-jemalloc.sh with -ljemalloc): threads that create,
 * list, stat, rename and delete through the union, calls that allocate
 * inside libc and libunion (realpath, getcwd, scandir, fopen, opendir),
 * and a fork whose child does the same.  Prints "ok: ..." or "FAIL: ..."
 * lines; exits 1 on a failure.
 *
 *   jemalloc-ops M
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *M;
static int failures;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAIL", what);
	if (!ok)
		failures++;
}

static void *worker(void *arg)
{
	long id = (long)arg;
	char p[4096], q[4096];
	long bad = 0;

	for (int k = 0; k < 300; k++) {
		struct stat st;
		DIR *d;
		char *rp, *big = malloc(1000 + 37 * k);

		snprintf(p, sizeof(p), "%s/w%ld_%d", M, id, k % 8);
		snprintf(q, sizeof(q), "%s/w%ld_r", M, id);
		FILE *f = fopen(p, "w");

		if (!f || fputs("data\n", f) < 0 || fclose(f))
			bad++;
		if (stat(p, &st) || st.st_size != 5)
			bad++;
		if (rename(p, q) || unlink(q))
			bad++;
		d = opendir(M);
		if (!d)
			bad++;
		else {
			while (readdir(d))
				;
			closedir(d);
		}
		rp = realpath(M, NULL);
		if (!rp || strcmp(rp, M))
			bad++;
		free(rp);
		if (big)
			memset(big, k, 1000);
		free(big);
	}
	return (void *)bad;
}

static int entry_filter(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

int main(int argc, char **argv)
{
	pthread_t t[4];
	char p[4096], *cwd;
	struct dirent **list;
	long bad = 0;
	int n, st;
	pid_t pid;

	if (argc < 2)
		return 2;
	M = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < 4; i++) {
		void *r;

		pthread_join(t[i], &r);
		bad += (long)r;
	}
	check(bad == 0, "4 threads x 300 rounds of create/stat/rename/unlink/"
			"opendir/realpath");

	snprintf(p, sizeof(p), "%s/lowerfile", M);
	check(unlink(p) == 0 && access(p, F_OK) < 0 && errno == ENOENT,
	      "delete a lower file");
	n = scandir(M, &list, entry_filter, alphasort);
	check(n == 1 && !strcmp(list[0]->d_name, "keep"), "scandir: only keep");
	while (n-- > 0)
		free(list[n]);
	if (n >= -1)
		free(list);
	check(chdir(M) == 0, "chdir into M");
	cwd = getcwd(NULL, 0);
	check(cwd && !strcmp(cwd, M), "getcwd(NULL, 0) gives M");
	free(cwd);

	pid = fork();
	if (pid == 0) {
		FILE *f = fopen("child-file", "w");

		if (!f)
			_exit(1);
		fclose(f);
		_exit(access("keep", R_OK) == 0 ? 0 : 2);
	}
	check(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
		  WEXITSTATUS(st) == 0,
	      "a forked child creates a file (relative to the merged cwd)");
	return failures ? 1 : 0;
}
