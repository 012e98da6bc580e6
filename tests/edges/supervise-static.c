/*
 * supervise-static.c - a program built -static at test time and run
 * under the supervisor (tests/edges/supervise-static.sh): each command
 * does one thing to the merged path given and prints what it saw, so
 * the transcript can be compared with the kernel overlay's.
 *
 *	supervise-static threads DIR   four threads create DIR/tN
 *	supervise-static fork DIR      a child writes DIR/child, then
 *	                               the parent reads it
 *	supervise-static list DIR      the names of DIR (getdents64), sorted
 *	supervise-static atnew DIR NAME  open DIR, create NAME from its
 *	                               descriptor (DIR copied up), list
 *	                               DIR through the descriptor
 *	supervise-static at DIR NAME   openat(DIR's descriptor, NAME), read
 *	supervise-static fchmod FILE   open read-only, fchmod 0600, stat
 *	supervise-static cwd DIR NAME  chdir DIR, getcwd, read NAME
 *	supervise-static fchmoddir DIR NAME...  fchmod DIR 0600 through
 *	                               a descriptor, open each DIR/NAME
 *	supervise-static seekend PATH...  lseek(SEEK_END) of each
 *	supervise-static cwdmode DIR NAME  chdir DIR, chmod DIR 0600,
 *	                               getcwd, readlink NAME, chmod 0755
 *	supervise-static exec PROG ARG...  execv PROG (a chain)
 *	supervise-static cat FILE      print FILE
 *	supervise-static signals DIR   500 exclusive creations in DIR under
 *	                               a 50 us SA_RESTART timer: none fails
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *dir;

static int cat(const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		printf("open %s: %s\n", path, strerror(errno));
		return 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	close(fd);
	return 0;
}

static void *thread(void *arg)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/t%ld", dir, (long)arg);
	f = fopen(path, "w");
	if (!f)
		return (void *)1;
	fprintf(f, "thread %ld\n", (long)arg);
	fclose(f);
	return NULL;
}

static volatile sig_atomic_t ticks;

static void tick(int sig)
{
	(void)sig;
	ticks++;
}

static int signals(void)
{
	struct sigaction sa = { .sa_handler = tick, .sa_flags = SA_RESTART };
	struct itimerval it = { { 0, 50 }, { 0, 50 } };
	char path[4096];
	int bad = 0;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	for (int i = 0; i < 500; i++) {
		struct stat st;
		int fd;

		snprintf(path, sizeof(path), "%s/s%d", dir, i);
		fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd < 0 || close(fd) < 0 || stat(path, &st) < 0 ||
		    unlink(path) < 0) {
			if (!bad++)
				printf("s%d: %s\n", i, strerror(errno));
		}
	}
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	printf("signals: %d failed%s\n", bad, ticks ? "" : " (no tick)");
	return bad != 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of d, sorted (getdents64). */
static int list(DIR *d)
{
	char *names[1024];
	size_t n = 0;
	struct dirent *e;

	if (!d) {
		printf("opendir: %s\n", strerror(errno));
		return 1;
	}
	rewinddir(d);
	while ((e = readdir(d)) && n < 1024)
		names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof(*names), cmp);
	for (size_t i = 0; i < n; i++)
		printf("%s\n", names[i]);
	return 0;
}

int main(int argc, char **argv)
{
	char path[4096];

	if (argc < 3)
		return 2;
	dir = argv[2];
	if (!strcmp(argv[1], "threads")) {
		pthread_t t[4];
		void *r;
		int bad = 0;

		for (long i = 0; i < 4; i++)
			pthread_create(&t[i], NULL, thread, (void *)i);
		for (int i = 0; i < 4; i++) {
			pthread_join(t[i], &r);
			bad |= r != NULL;
		}
		printf("threads: %s\n", bad ? "failed" : "ok");
		return bad;
	}
	if (!strcmp(argv[1], "fork")) {
		int status;
		pid_t pid = fork();

		snprintf(path, sizeof(path), "%s/child", dir);
		if (pid == 0) {
			FILE *f = fopen(path, "w");

			if (!f)
				_exit(1);
			fprintf(f, "from the child\n");
			fclose(f);
			_exit(0);
		}
		waitpid(pid, &status, 0);
		printf("child status %d\n", WEXITSTATUS(status));
		return cat(path);
	}
	if (!strcmp(argv[1], "list"))
		return list(opendir(dir));
	if (!strcmp(argv[1], "atnew") && argc > 3) {
		int dfd = open(dir, O_RDONLY | O_DIRECTORY);
		int fd = openat(dfd, argv[3], O_WRONLY | O_CREAT, 0644);

		if (fd < 0) {
			printf("openat: %s\n", strerror(errno));
			return 1;
		}
		close(fd);
		return list(fdopendir(dup(dfd)));
	}
	if (!strcmp(argv[1], "at") && argc > 3) {
		char buf[256];
		ssize_t got;
		int dfd = open(dir, O_RDONLY | O_DIRECTORY);
		int fd = openat(dfd, argv[3], O_RDONLY);

		if (fd < 0) {
			printf("openat: %s\n", strerror(errno));
			return 1;
		}
		got = read(fd, buf, sizeof(buf));
		fwrite(buf, 1, got > 0 ? (size_t)got : 0, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "fchmod")) {
		struct stat st;
		int fd = open(dir, O_RDONLY);

		if (fd < 0 || fchmod(fd, 0600) < 0) {
			printf("fchmod: %s\n", strerror(errno));
			return 1;
		}
		stat(dir, &st);
		printf("mode %o\n", (unsigned)(st.st_mode & 07777));
		return 0;
	}
	if (!strcmp(argv[1], "cwd") && argc > 3) {
		if (chdir(dir) < 0 || !getcwd(path, sizeof(path))) {
			printf("chdir: %s\n", strerror(errno));
			return 1;
		}
		printf("cwd %s\n", path);
		return cat(argv[3]);
	}
	if (!strcmp(argv[1], "fchmoddir") && argc > 3) {
		/* the search permission taken through a descriptor: a
		   path below is refused (as the user) */
		int dfd = open(dir, O_RDONLY | O_DIRECTORY), fd;
		struct stat st;

		/* (looked up before: the supervisor's library must not
		   answer from what it knew) */
		for (int i = 3; i < argc; i++) {
			snprintf(path, sizeof(path), "%s/%s", dir, argv[i]);
			stat(path, &st);
		}
		if (dfd < 0 || fchmod(dfd, 0600) < 0) {
			printf("fchmod: %s\n", strerror(errno));
			return 1;
		}
		for (int i = 3; i < argc; i++) {
			snprintf(path, sizeof(path), "%s/%s", dir, argv[i]);
			fd = open(path, O_RDONLY);
			printf("open %s: %s\n", argv[i],
			       fd < 0 ? strerror(errno) : "ok");
		}
		fchmod(dfd, 0755);
		return 0;
	}
	if (!strcmp(argv[1], "seekend")) {
		/* SEEK_END of each path: a merged directory refuses it */
		for (int i = 2; i < argc; i++) {
			int fd = open(argv[i], O_RDONLY);
			off_t r = lseek(fd, 0, SEEK_END);

			if (r < 0)
				printf("lseek end: %s\n", strerror(errno));
			else
				printf("lseek end: %lld\n", (long long)r);
			close(fd);
		}
		return 0;
	}
	if (!strcmp(argv[1], "cwdmode") && argc > 3) {
		/* the cwd's search permission taken after the chdir: the
		   kernel still names it (getcwd), a path from it is refused */
		char buf[64];

		if (chdir(dir) < 0 || chmod(dir, 0600) < 0) {
			printf("chdir, chmod: %s\n", strerror(errno));
			return 1;
		}
		if (!getcwd(path, sizeof(path)))
			printf("getcwd: %s\n", strerror(errno));
		else
			printf("cwd %s\n", path);
		if (readlink(argv[3], buf, sizeof(buf)) < 0)
			printf("readlink %s: %s\n", argv[3], strerror(errno));
		chmod(dir, 0755);
		return 0;
	}
	if (!strcmp(argv[1], "exec")) {
		fflush(stdout);
		execv(argv[2], argv + 2);
		printf("exec %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	if (!strcmp(argv[1], "cat"))
		return cat(dir);
	if (!strcmp(argv[1], "signals"))
		return signals();
	return 2;
}
