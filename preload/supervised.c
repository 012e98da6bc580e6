/*
 * supervised.c - a static or Go program run under the supervisor.
 *
 * LD_PRELOAD cannot reach such a program (unwrapped.c); the supervisor,
 * union-supervise (tools/supervise.c), can: it runs the program under a
 * seccomp filter and answers its path-taking system calls through the
 * union.  It is named by $UNION_SUPERVISOR (in the environment the
 * program gets, else in ours), which `union run` sets.  The exec is of
 * the supervisor, with the library's environment (so that the
 * supervisor, which does the calls by name, has the library too):
 *
 *	SUPERVISOR REAL ARGV0 [ARG]...
 *
 * where REAL is the program's real path, already found through the
 * union.
 *
 * A process that runs under the supervisor already (a dynamic program
 * started by a supervised one) cannot start another: the kernel allows
 * one seccomp listener in a process's chain of filters (EBUSY).  It
 * needs none: its filter goes with the program it executes, and the
 * supervisor answers the calls of a process that has no library.  Such
 * a process has UNION_SUPERVISED=1 in its environment (the supervisor
 * sets it for the program it starts) and a filter (Seccomp: 2 in
 * /proc/self/status); both are asked, so that the variable alone,
 * carried out of the supervised tree, cannot let a program run loose.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wrap.h"

/* The name LD_TRACE_LOADED_OBJECTS's entry takes for the supervisor
   (tools/supervise.c child() gives it back to the program). */
#define UN_SV_TRACE_SAVED "UNION_SUPERVISED_"

static const char *supervisor_of(char *const envp[])
{
	static const char name[] = "UNION_SUPERVISOR=";

	for (size_t i = 0; envp && envp[i]; i++)
		if (!strncmp(envp[i], name, sizeof(name) - 1))
			return envp[i] + sizeof(name) - 1;
	return getenv("UNION_SUPERVISOR");
}

static bool under_supervisor(void)
{
	const char *mark = getenv("UNION_SUPERVISED");
	char buf[4096], *s;
	ssize_t n;
	int fd;

	if (!mark || strcmp(mark, "1"))
		return false;
	fd = real_open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = real_read(fd, buf, sizeof(buf) - 1);
	real_close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	s = strstr(buf, "\nSeccomp:");
	return s && atoi(s + 9) == 2;
}

/* The index of env's LD_TRACE_LOADED_OBJECTS entry, or SIZE_MAX. */
static size_t trace_entry(char *const env[])
{
	static const char name[] = "LD_TRACE_LOADED_OBJECTS=";

	for (size_t i = 0; env[i]; i++)
		if (!strncmp(env[i], name, sizeof(name) - 1))
			return i;
	return SIZE_MAX;
}

int un_exec_supervised(const char *real, char *const argv[],
		       char *const envp[])
{
	const char *sup = supervisor_of(envp);
	size_t argc = 0, entries, bytes;
	static char *const no_args[] = { NULL };

	if (!sup || !*sup)
		return -ENOENT;
	if (under_supervisor())
		return 1;
	if (!argv)
		argv = no_args;
	while (argv[argc])
		argc++;
	char *nargv[argc + 4];

	nargv[0] = (char *)sup;
	nargv[1] = (char *)real;
	/* the program's argv[0], or its path when it was given none */
	nargv[2] = argc ? argv[0] : (char *)real;
	for (size_t i = 1; i <= argc; i++)
		nargv[2 + i] = argv[i];
	if (!argc)
		nargv[3] = NULL;
	un_exec_env_size(envp, &entries, &bytes);
	char *env[entries];
	char buf[bytes];

	un_exec_env(envp, env, buf, bytes);
	/* ldd's LD_TRACE_LOADED_OBJECTS is for the program (the loader run
	   as one: `ld.so PROG`), not for the supervisor, whose own loader
	   would list the supervisor's libraries and exit, the program never
	   run: it travels renamed, and the supervisor hands it back. */
	size_t trace = trace_entry(env);
	char renamed[trace != SIZE_MAX ? sizeof(UN_SV_TRACE_SAVED) +
						 strlen(env[trace]) : 1];

	if (trace != SIZE_MAX) {
		stpcpy(stpcpy(renamed, UN_SV_TRACE_SAVED), env[trace]);
		env[trace] = renamed;
	}
	/* Leave the library for the exec, as exec.c does: after a vfork
	   the child's un_depth is the parent's (shared memory), and an exec
	   that succeeds never comes back to lower it. */
	un_leave();
	un_exec_no_return();
	real_execve(sup, nargv, env);
	un_depth++;
	return errno == ENOENT ? -ENOEXEC : -errno;
}
