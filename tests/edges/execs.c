/*
 * execs.c - the ways a program starts another, for the edge tests of
 * exec (issue 6): refused static and setuid programs, and children whose
 * environment lost the union's variables.
 *
 *   execs execve PATH ARG...       execve with our environ
 *   execs fexecve PATH ARG...      open PATH, then fexecve
 *   execs execveat-empty PATH ARG...  open PATH, then execveat(fd, "",
 *                                  AT_EMPTY_PATH)
 *   execs spawn PATH ARG...        posix_spawn, then wait
 *   execs spawnp FILE ARG...       posix_spawnp, then wait
 *   execs system CMD               system(CMD)
 *   execs clearenv PATH ARG...     clearenv(), then execv
 *   execs clearenv-system CMD      clearenv(), then system(CMD)
 *   execs unsetenv PATH ARG...     unsetenv LD_PRELOAD and UNION_LAYERS,
 *                                  then execvp
 *   execs ownenv PATH ARG...       execve with an envp of its own
 *                                  (PATH and EXECS_OWN=1 only)
 *   execs ownenv-preload LIB PATH ARG...
 *                                  the same with LD_PRELOAD=LIB in it
 *                                  (and the sanitizers' options, below)
 *   execs spawn-ownenv PATH ARG... posix_spawn with that envp
 *
 * A failed call prints "CALL: ENAME" (the errno's name) and exits 1; a
 * child's status is printed as "status N" (or "signal N") and passed on
 * as the exit status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errname.h"

extern char **environ;

static char *own_env[] = {(char *)"PATH=/usr/bin:/bin", (char *)"EXECS_OWN=1",
			  NULL, NULL, NULL, NULL};

static int failed(const char *call, int e)
{
	printf("%s: %s\n", call, errname(e));
	fflush(stdout);
	return 1;
}

static int report(int st)
{
	if (WIFEXITED(st)) {
		printf("status %d\n", WEXITSTATUS(st));
		return WEXITSTATUS(st);
	}
	printf("signal %d\n", WTERMSIG(st));
	return 128 + WTERMSIG(st);
}

static int
spawn_wait(int (*fn)(pid_t *, const char *, const posix_spawn_file_actions_t *,
		     const posix_spawnattr_t *, char *const[], char *const[]),
	   const char *what, const char *path, char **argv, char **envp)
{
	pid_t pid;
	int st, rc;

	fflush(stdout);
	rc = fn(&pid, path, NULL, NULL, argv, envp);
	if (rc != 0)
		return failed(what, rc);
	if (waitpid(pid, &st, 0) != pid)
		return failed("waitpid", errno);
	return report(st);
}

int main(int argc, char **argv)
{
	const char *op;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3) {
		fprintf(stderr, "usage: execs OP ARG...\n");
		return 2;
	}
	op = argv[1];
	if (!strcmp(op, "execve")) {
		execve(argv[2], argv + 2, environ);
		return failed("execve", errno);
	}
	if (!strcmp(op, "fexecve") || !strcmp(op, "execveat-empty")) {
		int fd = open(argv[2], O_RDONLY);

		if (fd < 0)
			return failed("open", errno);
		if (op[1] == 'e')
			fexecve(fd, argv + 2, environ);
		else
			execveat(fd, "", argv + 2, environ, AT_EMPTY_PATH);
		return failed(op, errno);
	}
	if (!strcmp(op, "spawn"))
		return spawn_wait(posix_spawn, "posix_spawn", argv[2], argv + 2,
				  environ);
	if (!strcmp(op, "spawnp"))
		return spawn_wait(posix_spawnp, "posix_spawnp", argv[2],
				  argv + 2, environ);
	if (!strcmp(op, "system") || !strcmp(op, "clearenv-system")) {
		int st;

		if (!strcmp(op, "clearenv-system"))
			clearenv();
		fflush(stdout);
		st = system(argv[2]);
		if (st < 0)
			return failed("system", errno);
		return report(st);
	}
	if (!strcmp(op, "clearenv")) {
		clearenv();
		execv(argv[2], argv + 2);
		return failed("execv", errno);
	}
	if (!strcmp(op, "unsetenv")) {
		unsetenv("LD_PRELOAD");
		unsetenv("UNION_LAYERS");
		execvp(argv[2], argv + 2);
		return failed("execvp", errno);
	}
	if (!strcmp(op, "ownenv")) {
		execve(argv[2], argv + 2, own_env);
		return failed("execve", errno);
	}
	if (!strcmp(op, "ownenv-preload") && argc > 3) {
		const char *opt[] = {"ASAN_OPTIONS", "UBSAN_OPTIONS"};
		char *pre;
		int n = 3;

		if (asprintf(&pre, "LD_PRELOAD=%s", argv[2]) < 0)
			return 2;
		own_env[2] = pre;
		/* libunion puts itself in front of LIB: in a sanitizer build
		   the ASan runtime (in LIB) is then not the first preload, and
		   the child starts only if ASan's options (which turn that
		   check off) reach it.  Harmless without a sanitizer. */
		for (unsigned i = 0; i < 2; i++) {
			const char *v = getenv(opt[i]);

			if (v && asprintf(&own_env[n], "%s=%s", opt[i], v) >= 0)
				n++;
		}
		execve(argv[3], argv + 3, own_env);
		return failed("execve", errno);
	}
	if (!strcmp(op, "spawn-ownenv"))
		return spawn_wait(posix_spawn, "posix_spawn", argv[2], argv + 2,
				  own_env);
	fprintf(stderr, "execs: unknown op %s\n", op);
	return 2;
}
