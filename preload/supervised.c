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
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wrap.h"

static const char *supervisor_of(char *const envp[])
{
	static const char name[] = "UNION_SUPERVISOR=";

	for (size_t i = 0; envp && envp[i]; i++)
		if (!strncmp(envp[i], name, sizeof(name) - 1))
			return envp[i] + sizeof(name) - 1;
	return getenv("UNION_SUPERVISOR");
}

int un_exec_supervised(const char *real, char *const argv[],
		       char *const envp[])
{
	const char *sup = supervisor_of(envp);
	size_t argc = 0, entries, bytes;
	static char *const no_args[] = { NULL };

	if (!sup || !*sup)
		return -ENOENT;
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

	un_exec_env(envp, env, buf);
	real_execve(sup, nargv, env);
	return errno == ENOENT ? -ENOEXEC : -errno;
}
